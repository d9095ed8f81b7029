package io.vdisk.flusher;

import java.io.IOException;

/**
 * Told when a commit passes each step of the protocol, so tests can stop the process there (and
 * the application can trace commits). Implementations must be thread-safe: commits of different
 * images run on different threads.
 */
@FunctionalInterface
public interface CrashHook {

    /** A hook that does nothing. */
    CrashHook NONE = step -> {
    };

    /** The steps of one commit, in order. */
    enum Step {
        /** Data blocks, tree and new root are put into the store, none of it synced yet. */
        AFTER_BLOCKS,
        /** The store is synced: the new root and everything below it are durable. */
        AFTER_ROOT,
        /** The new pointer file is written and forced under its temporary name. */
        AFTER_TEMP_FILE,
        /** The temporary file is renamed over the pointer file and the directory forced. */
        AFTER_RENAME,
        /** The pointer file names the new root; the journal generation is not yet released. */
        BEFORE_RELEASE
    }

    void reached(Step step) throws IOException;
}
