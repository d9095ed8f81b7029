package io.vdisk.ninep;

/**
 * File system statistics for {@code Tstatfs}, like statfs(2). Immutable.
 *
 * @param type file system type magic (V9FS_MAGIC 0x01021997 is a fine default)
 * @param bsize block size
 * @param blocks total blocks
 * @param bfree free blocks
 * @param bavail blocks available to unprivileged users
 * @param files total inodes
 * @param ffree free inodes
 * @param fsid file system id
 * @param namelen maximum name length
 */
public record StatFs(int type, int bsize, long blocks, long bfree, long bavail, long files,
    long ffree, long fsid, int namelen) {
    /** The type magic of v9fs. */
    public static final int V9FS_MAGIC = 0x01021997;
}
