package io.vdisk.ninep;

/**
 * File attributes as answered to {@code Tgetattr} (and, reduced, to a classic {@code Tstat}).
 * Immutable. {@code mode} carries the Linux file type bits ({@link #S_IFDIR}, {@link #S_IFREG},
 * ...) and the permission bits.
 *
 * @param mode file type and permission bits
 * @param uid owner uid
 * @param gid owner gid
 * @param nlink number of hard links
 * @param rdev device number for special files
 * @param size size in bytes
 * @param blksize preferred I/O block size
 * @param blocks number of 512-byte blocks allocated
 * @param atimeSec last access, seconds
 * @param atimeNsec last access, nanoseconds
 * @param mtimeSec last modification, seconds
 * @param mtimeNsec last modification, nanoseconds
 * @param ctimeSec last status change, seconds
 * @param ctimeNsec last status change, nanoseconds
 */
public record Attr(int mode, int uid, int gid, long nlink, long rdev, long size, long blksize,
    long blocks, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec, long ctimeSec,
    long ctimeNsec) {
    /** File type mask. */
    public static final int S_IFMT = 0170000;
    /** Directory. */
    public static final int S_IFDIR = 0040000;
    /** Regular file. */
    public static final int S_IFREG = 0100000;
    /** Symbolic link. */
    public static final int S_IFLNK = 0120000;
    /** Character device. */
    public static final int S_IFCHR = 0020000;
    /** Block device. */
    public static final int S_IFBLK = 0060000;
    /** FIFO. */
    public static final int S_IFIFO = 0010000;
    /** Socket. */
    public static final int S_IFSOCK = 0140000;

    /**
     * A convenience for simple trees: one time for all three stamps, 4 KiB blocks.
     *
     * @param mode type and permission bits
     * @param uid owner
     * @param gid group
     * @param nlink links
     * @param size size in bytes
     * @param timeSec the time of atime, mtime and ctime in seconds
     * @return attributes
     */
    public static Attr of(int mode, int uid, int gid, long nlink, long size, long timeSec) {
        return new Attr(mode, uid, gid, nlink, 0, size, 4096, (size + 511) / 512, timeSec, 0,
            timeSec, 0, timeSec, 0);
    }

    /** @return whether the type bits say directory */
    public boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }
}
