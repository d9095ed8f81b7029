package io.vdisk.venti.bench;

import io.vdisk.venti.BlockType;
import io.vdisk.venti.DiskBlockStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Puts N small unique blocks and prints heap used (after GC) and index file size every million,
 * to show how memory grows with the number of stored blocks. Args: N [dir].
 */
public final class HeapGrowth {
    public static void main(String[] args) throws Exception {
        long n = Long.parseLong(args[0]);
        Path dir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("heap");
        byte[] b = new byte[64];
        long t0 = System.nanoTime();
        try (DiskBlockStore store = DiskBlockStore.open(dir)) {
            System.out.printf("%10s %12s %12s %12s %8s%n", "blocks", "heap MiB", "index MiB",
                "filter MiB", "s");
            for (long i = 1; i <= n; i++) {
                for (int k = 0; k < 8; k++)
                    b[k] = (byte) (i >>> (8 * k));
                b[63] = 1;
                store.put(BlockType.DATA, b);
                if (i % 1_000_000 == 0) {
                    System.gc();
                    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    long idx = Files.size(dir.resolve("index.db"));
                    System.out.printf("%10d %12.1f %12.1f %12.1f %8.1f%n", i, heap / 1048576.0,
                        idx / 1048576.0, store.filterBytes() / 1048576.0,
                        (System.nanoTime() - t0) / 1e9);
                }
            }
        }
    }
}
