package io.vdisk.ninep.internal;

/**
 * A frame body that breaks the wire format (truncated field or string, bad count). Carries the
 * errno of the error reply. Unchecked so body decoders can be method references; the frame
 * decoder catches it and never lets it reach the pipeline. Immutable.
 */
public final class MalformedFrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    /**
     * @param errno the errno to answer
     * @param message what was wrong
     */
    public MalformedFrameException(int errno, String message) {
        super(message, null, false, false);
        this.errno = errno;
    }

    /** @return the errno to answer */
    public int errno() {
        return errno;
    }
}
