package io.vdisk.ninep;

/**
 * One directory entry of a {@code Treaddir}. Immutable.
 *
 * <p>
 * Wire layout inside {@code Rreaddir}: {@code qid[13] offset[8] type[1] name[s]}.
 *
 * @param qid the entry's qid
 * @param offset the cookie to pass as offset to continue after this entry
 * @param type the dirent type (DT_DIR 4, DT_REG 8, DT_LNK 10, ...)
 * @param name the entry name
 */
public record DirEntry(Qid qid, long offset, int type, String name) {
    /** Directory entry type: directory. */
    public static final int DT_DIR = 4;
    /** Directory entry type: regular file. */
    public static final int DT_REG = 8;
    /** Directory entry type: symbolic link. */
    public static final int DT_LNK = 10;
    /** Directory entry type: unknown. */
    public static final int DT_UNKNOWN = 0;
}
