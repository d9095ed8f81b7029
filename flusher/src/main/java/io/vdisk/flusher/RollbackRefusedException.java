package io.vdisk.flusher;

/**
 * A rollback without {@code force} of an image a client has open for writing. Thread-safe
 * (immutable).
 */
public final class RollbackRefusedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public RollbackRefusedException(String message) {
        super(message);
    }
}
