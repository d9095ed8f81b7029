package io.vdisk.fs;

import io.vdisk.image.History;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.Kind;
import io.vdisk.venti.BlockStore;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The {@code /.snapshots} tree, in the spirit of Plan 9's dump: {@code YYYY/MMDD/HHMMSS/} (local
 * time in the server's zone) holding, at their paths below the root, the images that have a
 * snapshot (or their import) at that second. Built from the heads it was made for and rebuilt
 * when one changes. Immutable, thread-safe.
 */
final class SnapshotIndex {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy/MMdd/HHmmss");

    /** A revision served as a file. */
    record Revision(Score score, long size) {
    }

    private final Map<String, Score> heads;
    /** Directory path ("" = top) → sorted child names. */
    private final Map<String, NavigableSet<String>> dirs;
    private final Map<String, Revision> files;

    private SnapshotIndex(Map<String, Score> heads, Map<String, NavigableSet<String>> dirs,
        Map<String, Revision> files) {
        this.heads = heads;
        this.dirs = dirs;
        this.files = files;
    }

    /** An index without images. */
    static SnapshotIndex empty() {
        Map<String, NavigableSet<String>> dirs = new HashMap<>();
        dirs.put("", Collections.emptyNavigableSet());
        return new SnapshotIndex(Map.of(), dirs, Map.of());
    }

    /**
     * @param heads image path below the root → current head score
     * @return whether this index was built from exactly these heads
     */
    boolean builtFrom(Map<String, Score> heads) {
        return this.heads.equals(heads);
    }

    /**
     * Walks every image's history and files its snapshots and import root by date.
     *
     * @param store where the roots are
     * @param heads image path below the root → head score
     * @param zone the zone of the dates
     * @return the index
     * @throws IOException if a root cannot be read
     */
    static SnapshotIndex build(BlockStore store, Map<String, Score> heads, ZoneId zone)
        throws IOException {
        Map<String, NavigableSet<String>> dirs = new HashMap<>();
        Map<String, Revision> files = new HashMap<>();
        dirs.put("", new TreeSet<>());
        for (Map.Entry<String, Score> h : heads.entrySet()) {
            // Newest first: of two versions in one second the newer one wins.
            for (ImageRoot r : History.walk(store, h.getValue())) {
                if (!r.snapshot() && r.kind() != Kind.IMPORT) {
                    continue;
                }
                String stamp = STAMP.format(Instant.ofEpochMilli(r.timeMillis()).atZone(zone));
                String path = stamp + "/" + h.getKey();
                if (files.putIfAbsent(path, new Revision(r.score(), r.size())) == null) {
                    addParents(dirs, path);
                }
            }
        }
        return new SnapshotIndex(Map.copyOf(heads), dirs, files);
    }

    private static void addParents(Map<String, NavigableSet<String>> dirs, String path) {
        String child = path;
        while (!child.isEmpty()) {
            String parent = Names.parent(child);
            dirs.computeIfAbsent(parent, k -> new TreeSet<>()).add(Names.last(child));
            child = parent;
        }
    }

    /** @return the child names of directory {@code path}, or null if it is none */
    NavigableSet<String> list(String path) {
        NavigableSet<String> d = dirs.get(path);
        return d == null ? null : Collections.unmodifiableNavigableSet(d);
    }

    /** @return the revision at {@code path}, or null if it is none */
    Revision file(String path) {
        return files.get(path);
    }
}
