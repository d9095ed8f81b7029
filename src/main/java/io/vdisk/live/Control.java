package io.vdisk.live;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The commands a running server takes from its control file, so the CLI never becomes a second
 * writer: {@code flush PATH}, {@code snapshot PATH [MESSAGE]}, {@code rollback PATH REV [force]},
 * {@code policy PATH [key=value ...]}; and commands whose output streams back as it is made
 * ({@link #start}). Thread-safe.
 */
public interface Control {
    /**
     * Runs one command line.
     *
     * @return the reply for the client (one or more lines)
     * @throws IllegalArgumentException for a malformed command
     * @throws IllegalStateException for one refused in the image's present state (a rollback
     *     of an image open for writing, without force)
     * @throws IOException when the command fails
     */
    String execute(String line) throws IOException;

    /**
     * Starts {@code line} if it is a streaming command, whose output the client then reads.
     *
     * @return the running command, or null when {@code line} is an ordinary one
     * @throws IllegalArgumentException for a malformed or refused command
     */
    default Output start(String line) throws IOException {
        return null;
    }

    /** The output of a running command, read in order. Thread-safe. */
    interface Output {
        /**
         * Puts the next bytes of output into {@code dst}, waiting for the command to make some.
         *
         * @return bytes put, at least one; -1 once everything was read
         */
        int read(ByteBuffer dst) throws IOException, InterruptedException;

        /** The reader went away: the command's further output fails, so it ends soon. */
        void cancel();
    }
}
