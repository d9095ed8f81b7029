package io.vdisk.live;

import java.io.IOException;

/**
 * The commands a running server takes from its control file, so the CLI never becomes a second
 * writer: {@code flush PATH}, {@code snapshot PATH [MESSAGE]}, {@code rollback PATH REV [force]},
 * {@code policy PATH [key=value ...]}. Thread-safe.
 */
public interface Control {
    /**
     * Runs one command line.
     *
     * @return the reply for the client (one or more lines)
     * @throws IllegalArgumentException for a malformed command
     * @throws IOException when the command fails
     */
    String execute(String line) throws IOException;
}
