package io.vdisk.cli;

/** Arguments that parse but make no sense together; exit code 2. */
public class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
