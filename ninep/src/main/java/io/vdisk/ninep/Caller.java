package io.vdisk.ninep;

/**
 * Who attached: the user name and the numeric uid from {@code Tattach}. Linux v9fs first attaches
 * as {@code nobody} with {@code n_uname} = -1 ({@link #NO_UID}), then once per user with an empty
 * name and the user's uid. Immutable.
 *
 * @param uname the user name, possibly empty
 * @param uid the numeric uid, or {@link #NO_UID} when the client sent none
 */
public record Caller(String uname, int uid) {
    /** {@code n_uname} value meaning "no numeric uid" (~0). */
    public static final int NO_UID = -1;
}
