package io.vdisk.ninep;

/**
 * The Linux errno values a 9P2000.L server sends in {@code Rlerror}, with the message text used in
 * a classic 9P2000 {@code Rerror}. Stateless and thread-safe.
 */
public final class Errno {
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** I/O error. */
    public static final int EIO = 5;
    /** Bad file descriptor (unknown or unopened fid). */
    public static final int EBADF = 9;
    /** Try again. */
    public static final int EAGAIN = 11;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** File exists. */
    public static final int EEXIST = 17;
    /** Cross-device link. */
    public static final int EXDEV = 18;
    /** Not a directory. */
    public static final int ENOTDIR = 20;
    /** Is a directory. */
    public static final int EISDIR = 21;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** File too large. */
    public static final int EFBIG = 27;
    /** No space left on device. */
    public static final int ENOSPC = 28;
    /** Read-only file system. */
    public static final int EROFS = 30;
    /** Too many links. */
    public static final int EMLINK = 31;
    /** Numerical result out of range. */
    public static final int ERANGE = 34;
    /** File name too long. */
    public static final int ENAMETOOLONG = 36;
    /** No locks available. */
    public static final int ENOLCK = 37;
    /** Function not implemented. */
    public static final int ENOSYS = 38;
    /** Directory not empty. */
    public static final int ENOTEMPTY = 39;
    /** Too many symbolic links. */
    public static final int ELOOP = 40;
    /** No data available (no such extended attribute). */
    public static final int ENODATA = 61;
    /** Protocol error (malformed message). */
    public static final int EPROTO = 71;
    /** Message too long (frame larger than msize). */
    public static final int EMSGSIZE = 90;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;

    private Errno() {
    }

    /**
     * @param errno a Linux errno
     * @return a short message for a classic {@code Rerror}
     */
    public static String message(int errno) {
        return switch (errno) {
            case EPERM -> "operation not permitted";
            case ENOENT -> "file does not exist";
            case EIO -> "i/o error";
            case EBADF -> "unknown fid";
            case EAGAIN -> "try again";
            case ENOMEM -> "out of memory";
            case EACCES -> "permission denied";
            case EBUSY -> "resource busy";
            case EEXIST -> "file already exists";
            case EXDEV -> "cross-device link";
            case ENOTDIR -> "not a directory";
            case EISDIR -> "is a directory";
            case EINVAL -> "invalid argument";
            case EFBIG -> "file too large";
            case ENOSPC -> "no space left on device";
            case EROFS -> "read-only file system";
            case ENAMETOOLONG -> "file name too long";
            case ENOTEMPTY -> "directory not empty";
            case ENODATA -> "no data available";
            case EPROTO -> "protocol error";
            case EMSGSIZE -> "message too long";
            case EOPNOTSUPP -> "operation not supported";
            default -> "error " + errno;
        };
    }

    /**
     * Best-effort reverse of {@link #message(int)} for classic {@code Rerror} strings.
     *
     * @param message an error string
     * @return the errno, or {@link #EIO} when unknown
     */
    public static int fromMessage(String message) {
        for (int e = 1; e < 134; e++) {
            if (message(e).equals(message)) {
                return e;
            }
        }
        return EIO;
    }
}
