package io.vdisk.ninep;

/**
 * A POSIX record lock request of {@code Tlock}/{@code Tgetlock}, and the answer of
 * {@code Rgetlock}. Immutable.
 *
 * @param type {@link #RDLCK}, {@link #WRLCK} or {@link #UNLCK}
 * @param flags {@link #FLAGS_BLOCK} for a blocking request ({@code Tlock} only)
 * @param start first byte
 * @param length number of bytes, 0 meaning to the end
 * @param procId the requesting process
 * @param clientId the requesting host
 */
public record LockRequest(int type, int flags, long start, long length, int procId,
    String clientId) {
    /** Read lock. */
    public static final int RDLCK = 0;
    /** Write lock. */
    public static final int WRLCK = 1;
    /** Unlock. */
    public static final int UNLCK = 2;
    /** Blocking request. */
    public static final int FLAGS_BLOCK = 1;
    /** {@code Rlock} status: granted. */
    public static final int SUCCESS = 0;
    /** {@code Rlock} status: would block, client retries. */
    public static final int BLOCKED = 1;
    /** {@code Rlock} status: error. */
    public static final int ERROR = 2;
}
