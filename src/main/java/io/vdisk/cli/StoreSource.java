package io.vdisk.cli;

import io.vdisk.app.Workspace;
import io.vdisk.venti.DiskBlockStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where commands get a root's store. A command run on its own opens the store and closes it
 * ({@link #OPEN}); a command that {@code vdisk serve} runs for the CLI borrows the server's,
 * since the store takes one process at a time. Implementations are thread-safe.
 */
public interface StoreSource {
    /** Opens the root's store for this command alone; it must exist. */
    StoreSource OPEN = w -> StoreLease.owned(w.openStore(false));

    /** The store of {@code w}'s root, for one command. */
    StoreLease open(Workspace w) throws IOException;

    /**
     * Called before a command points {@code image} at a new root: a server refuses while it
     * has the image open, as a guest may be writing to it.
     */
    default void beforeReplacing(Path image) throws IOException {
    }

    /** A store lease: closes the store when the command owns it, else does nothing. */
    final class StoreLease implements AutoCloseable {
        private final DiskBlockStore store;
        private final boolean owned;

        private StoreLease(DiskBlockStore store, boolean owned) {
            this.store = store;
            this.owned = owned;
        }

        public static StoreLease owned(DiskBlockStore store) {
            return new StoreLease(store, true);
        }

        public static StoreLease borrowed(DiskBlockStore store) {
            return new StoreLease(store, false);
        }

        public DiskBlockStore store() {
            return store;
        }

        @Override
        public void close() throws IOException {
            if (owned) store.close();
        }
    }
}
