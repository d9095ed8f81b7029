package io.vdisk.cli;

import io.vdisk.cli.StoreSource.StoreLease;
import io.vdisk.app.Progress;
import io.vdisk.app.Workspace;
import io.vdisk.image.ImageBuilder;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.Kind;
import io.vdisk.image.Region;
import io.vdisk.image.VdiskFile;
import io.vdisk.image.layout.DiskFile;
import io.vdisk.image.layout.LayoutPlanner;
import io.vdisk.venti.DiskBlockStore;
import io.vdisk.venti.Score;
import io.vdisk.venti.StoreStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vdisk import DISK IMAGE.vdisk}: stores a raw disk file or block device as a new image
 * (or a new version of an existing one, whose head becomes the prev).
 */
@Command(name = "import", description = "Store a raw disk image or block device as an image.")
final class ImportCommand extends CommandBase {
    @Option(names = "--block-size", paramLabel = "N", defaultValue = "4096", description = "Block size of areas without a known file system (default 4096).")
    int blockSize;

    @Option(names = "--exact", description = "Keep every byte: no free-block elision.")
    boolean exact;

    @Option(names = {"-m", "--message"}, paramLabel = "MESSAGE")
    String message;

    @Option(names = "--threads", paramLabel = "N", description = "Hashing threads.")
    Integer threads;

    @Parameters(index = "0", paramLabel = "DISK")
    String disk;

    @Parameters(index = "1", paramLabel = "IMAGE.vdisk")
    String image;

    @Override
    public Integer call() throws Exception {
        if (blockSize < 512 || blockSize > 1 << 20 || Integer.bitCount(blockSize) != 1)
            throw new UsageException("--block-size must be a power of two in 512..1048576");
        Path out = path(image);
        requireVdiskName(out);
        Workspace w = workspace(out);
        int n = threads != null ? threads : env().threads();
        if (n < 1)
            throw new UsageException("--threads must be at least 1");
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "vdisk-import");
            t.setDaemon(true);
            return t;
        });
        long t0 = System.nanoTime();
        try (DiskFile src = DiskFile.open(path(disk))) {
            // Planned before the store opens, while another thread loads what the store needs
            // (Preload). The warnings wait for the store: when a server holds the root, the
            // server runs this import, and plans and warns itself.
            List<String> warnings = new ArrayList<>();
            List<Region> plan = new LayoutPlanner(blockSize, exact).plan(src, warnings::add);
            try (StoreLease lease = openStore(w)) {
                warnings.forEach(this::warn);
                DiskBlockStore store = lease.store();
                parent.stores().beforeReplacing(out);
                Score prev = Files.exists(out) ? VdiskFile.read(out) : Score.ZERO;
                StoreStats before = store.stats();
                ImageRoot root;
                try (Progress p = progress("import", src.size())) {
                    root = new ImageBuilder(store, pool, 2 * n).progress(p::update).build(name(out),
                        src.size(), plan, src, Kind.IMPORT, message, prev, env().clock().millis());
                }
                store.sync();
                parent.stores().beforeReplacing(out); // again: a guest may have opened it since
                VdiskFile.write(out, root.score());
                StoreStats after = store.stats();
                double secs = (System.nanoTime() - t0) / 1e9;
                env().out().printf("%s: %s, %s disk in %d extents, %s new in the store, %.2f s%n", w
                    .display(out), root.score().toHex(), bytes(src.size()), root.extents().size(),
                    bytes(after.storedBytes() - before.storedBytes()), secs);
                return 0;
            }
        } finally {
            // Not shutdownNow: interrupting a worker inside a FileChannel call closes the
            // channel, and run inside vdisk serve (see StoreSource) the store is the server's.
            pool.shutdown();
            awaitQuietly(pool);
        }
    }

    /** Waits for the workers of a failed build to finish what they started. */
    private static void awaitQuietly(ExecutorService pool) {
        try {
            while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                // a worker is still writing; its task ends on its own
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String name(Path image) {
        String f = image.getFileName().toString();
        return f.substring(0, f.length() - VdiskFile.EXTENSION.length());
    }
}
