package io.vdisk.ninep;

import java.io.IOException;

/**
 * A file-server failure that carries the Linux errno to send to the client ({@code Rlerror}) or
 * whose text becomes a classic {@code Rerror}. The SPI throws it; the client throws it when the
 * server answered with an error. Immutable once thrown.
 */
public class NinePException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    /**
     * @param errno a Linux errno, see {@link Errno}
     */
    public NinePException(int errno) {
        this(errno, Errno.message(errno));
    }

    /**
     * @param errno a Linux errno, see {@link Errno}
     * @param message what failed, for logs
     */
    public NinePException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /**
     * @param errno a Linux errno, see {@link Errno}
     * @param message what failed, for logs
     * @param cause the underlying failure
     */
    public NinePException(int errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** @return the Linux errno */
    public int errno() {
        return errno;
    }
}
