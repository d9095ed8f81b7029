package io.vdisk.flusher;

import java.io.IOException;
import java.nio.file.Path;

/** A policy file that does not parse; the message names the file and line. Thread-safe. */
public final class PolicyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public PolicyFormatException(Path file, int line, String what) {
        super(file + ":" + line + ": " + what);
    }
}
