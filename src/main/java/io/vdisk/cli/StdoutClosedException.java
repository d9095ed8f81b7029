package io.vdisk.cli;

import java.io.IOException;

/**
 * Our standard output went away, as when {@code vdisk cat} pipes into {@code head}: the command
 * stops, and exits 1 without a message, as a tool killed by SIGPIPE would say nothing.
 */
public final class StdoutClosedException extends IOException {
    private static final long serialVersionUID = 1L;

    public StdoutClosedException() {
        super("standard output closed");
    }
}
