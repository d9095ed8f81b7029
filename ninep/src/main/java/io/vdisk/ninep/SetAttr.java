package io.vdisk.ninep;

/**
 * The changes of a {@code Tsetattr}: only fields whose bit is set in {@code valid} apply. The
 * server has already replaced "now" requests ({@link #ATIME} without {@link #ATIME_SET}) by its
 * clock's time, so the implementor reads the times as given. Immutable.
 *
 * <p>
 * Wire layout after {@code fid[4]}:
 * {@code valid[4] mode[4] uid[4] gid[4] size[8] atime_sec[8] atime_nsec[8] mtime_sec[8] mtime_nsec[8]}.
 *
 * @param valid which fields apply
 * @param mode new permission bits (chmod)
 * @param uid new owner
 * @param gid new group
 * @param size new size (truncate)
 * @param atimeSec access time, seconds
 * @param atimeNsec access time, nanoseconds
 * @param mtimeSec modification time, seconds
 * @param mtimeNsec modification time, nanoseconds
 */
public record SetAttr(int valid, int mode, int uid, int gid, long size, long atimeSec,
    long atimeNsec, long mtimeSec, long mtimeNsec) {
    /** Set the permission bits. */
    public static final int MODE = 0x1;
    /** Set the owner. */
    public static final int UID = 0x2;
    /** Set the group. */
    public static final int GID = 0x4;
    /** Truncate or extend to {@code size}. */
    public static final int SIZE = 0x8;
    /** Set the access time. */
    public static final int ATIME = 0x10;
    /** Set the modification time. */
    public static final int MTIME = 0x20;
    /** Change time (always "now"). */
    public static final int CTIME = 0x40;
    /** The access time is given, not "now". */
    public static final int ATIME_SET = 0x80;
    /** The modification time is given, not "now". */
    public static final int MTIME_SET = 0x100;

    /**
     * @param bit one of the constants
     * @return whether that field applies
     */
    public boolean has(int bit) {
        return (valid & bit) != 0;
    }

    /**
     * @param newSize the new size
     * @return a request that only truncates
     */
    public static SetAttr truncate(long newSize) {
        return new SetAttr(SIZE, 0, 0, 0, newSize, 0, 0, 0, 0);
    }
}
