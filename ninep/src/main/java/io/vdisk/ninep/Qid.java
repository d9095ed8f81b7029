package io.vdisk.ninep;

/**
 * A 9P qid: the server's unique identity of a file. Immutable and thread-safe.
 *
 * <p>
 * Wire layout (13 bytes, little-endian):
 *
 * <pre>
 * | offset | size | field   |
 * |      0 |    1 | type    | QT_* bits
 * |      1 |    4 | version | changes when the file changes (0: do not cache)
 * |      5 |    8 | path    | unique per file on this server, like an inode number
 * </pre>
 *
 * @param type QT_* bits
 * @param version version counter
 * @param path unique file id
 */
public record Qid(int type, int version, long path) {
    /** Encoded size in bytes. */
    public static final int SIZE = 13;
    /** Directory. */
    public static final int QT_DIR = 0x80;
    /** Append-only file. */
    public static final int QT_APPEND = 0x40;
    /** Exclusive-use file. */
    public static final int QT_EXCL = 0x20;
    /** Authentication file. */
    public static final int QT_AUTH = 0x08;
    /** Not backed up. */
    public static final int QT_TMP = 0x04;
    /** Symbolic link (9P2000.u / .L). */
    public static final int QT_SYMLINK = 0x02;
    /** Plain file. */
    public static final int QT_FILE = 0x00;

    /** Checks the type fits in a byte. */
    public Qid {
        if ((type & ~0xff) != 0) {
            throw new IllegalArgumentException("qid type must fit in a byte: " + type);
        }
    }

    /** @return whether this qid names a directory */
    public boolean isDirectory() {
        return (type & QT_DIR) != 0;
    }

    /** @return whether this qid names a symbolic link */
    public boolean isSymlink() {
        return (type & QT_SYMLINK) != 0;
    }
}
