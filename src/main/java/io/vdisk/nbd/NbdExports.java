package io.vdisk.nbd;

import java.io.IOException;
import java.util.List;

/** What a server exports, by name. Thread-safe. */
public interface NbdExports {
    /** Names a client may list. */
    List<String> list() throws IOException;

    /**
     * Opens an export for one connection.
     *
     * @throws java.nio.file.NoSuchFileException if there is no export by that name
     */
    NbdExport open(String name) throws IOException;

    /** A one-line description for NBD_INFO_DESCRIPTION, or null. */
    default String describe(String name) {
        return null;
    }
}
