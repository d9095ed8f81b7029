package io.vdisk.venti;

import java.io.IOException;

/** Stored bytes that do not hash to their score, or a damaged record around them. */
public class CorruptBlockException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptBlockException(String message) {
        super(message);
    }

    public CorruptBlockException(String message, Throwable cause) {
        super(message, cause);
    }
}
