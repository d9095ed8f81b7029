package io.vdisk.fs;

import io.vdisk.ninep.DirEntry;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import java.util.List;

/**
 * An open directory. The listing is taken when the client starts at offset 0 and served from
 * that copy as it pages through, so entries added or removed meanwhile cannot shift the cookies
 * (a cookie is the entry's index + 1). Thread-safe (synchronized).
 */
final class DirListing implements OpenFile {
    /** Produces the current entries with cookies 1, 2, ... */
    @FunctionalInterface
    interface Lister {
        List<DirEntry> list() throws NinePException;
    }

    private final Lister lister;
    private List<DirEntry> entries;

    DirListing(Lister lister) {
        this.lister = lister;
    }

    @Override
    public synchronized List<DirEntry> readdir(long offset, int count) throws NinePException {
        if (offset == 0 || entries == null) {
            entries = lister.list();
        }
        if (offset < 0 || offset >= entries.size()) {
            return List.of();
        }
        return entries.subList((int) offset, entries.size());
    }
}
