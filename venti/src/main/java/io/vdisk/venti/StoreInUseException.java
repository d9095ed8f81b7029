package io.vdisk.venti;

import java.io.IOException;
import java.nio.file.Path;

/** Another process holds the store's lock: there is never a second writer. */
public class StoreInUseException extends IOException {
    private static final long serialVersionUID = 1L;

    public StoreInUseException(Path dir) {
        super("store " + dir + " is in use by another process");
    }
}
