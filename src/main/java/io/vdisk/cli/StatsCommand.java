package io.vdisk.cli;

import io.vdisk.cli.StoreSource.StoreLease;
import io.vdisk.app.Workspace;
import io.vdisk.image.Image;
import io.vdisk.image.VdiskFile;
import io.vdisk.venti.DiskBlockStore;
import io.vdisk.venti.Score;
import io.vdisk.venti.StoreStats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine.Command;

/**
 * {@code vdisk stats}: the store's totals, and for each image under the root (head version) its
 * distinct data blocks and how many of them another image also references.
 */
@Command(name = "stats", description = "Show store totals and block sharing between images.")
final class StatsCommand extends CommandBase {
    @Override
    public Integer call() throws Exception {
        Workspace w = workspace(null);
        PrintStream o = env().out();
        try (StoreLease lease = openStore(w)) {
            DiskBlockStore store = lease.store();
            StoreStats s = store.stats();
            o.printf("store: %d blocks, %d unique bytes (%s), %d stored bytes (%s)%n", s.blocks(), s
                .uniqueBytes(), bytes(s.uniqueBytes()), s.storedBytes(),
                bytes(s
                    .storedBytes()));
            List<Path> files = w.images();
            List<TreeSet<Score>> sets = new ArrayList<>();
            Map<Score, Integer> refs = new HashMap<>();
            for (Path f : files) {
                TreeSet<Score> set = new TreeSet<>();
                try {
                    Image.open(store, VdiskFile.read(f)).collectDataScores(set);
                } catch (IOException e) {
                    warn(w.display(f) + ": " + e.getMessage());
                }
                sets.add(set);
                for (Score sc : set)
                    refs.merge(sc, 1, Integer::sum);
            }
            o.printf("%-40s %10s %10s %8s%n", "image", "blocks", "shared", "shared%");
            for (int i = 0; i < files.size(); i++) {
                long shared = sets.get(i).stream().filter(sc -> refs.get(sc) > 1).count();
                int n = sets.get(i).size();
                o.printf("%-40s %10d %10d %7.1f%%%n", w.display(files.get(i)), n, shared, n == 0
                    ? 0.0
                    : 100.0 * shared / n);
            }
        }
        return 0;
    }
}
