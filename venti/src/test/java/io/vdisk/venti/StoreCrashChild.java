package io.vdisk.venti;

import java.nio.file.Path;
import java.util.Random;

/**
 * Child process of {@link DiskStoreCrashTest}: puts batches of blocks from two threads, syncs,
 * and prints "SYNCED seed batch" once each batch is durable, until it is killed.
 */
public final class StoreCrashChild {
    static final int PER_BATCH = 40;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        try (DiskBlockStore store = DiskBlockStore.open(dir, DiskBlockStore.Options.defaults()
            .withMaxArenaSize(256 << 10).withIndexCommitRecords(100))) {
            System.out.println("OPEN");
            for (int batch = 0;; batch++) {
                int b = batch;
                Thread other = new Thread(() -> putHalf(store, seed, b, 1));
                other.start();
                putHalf(store, seed, b, 0);
                other.join();
                store.sync();
                System.out.println("SYNCED " + seed + " " + batch);
                System.out.flush();
            }
        }
    }

    private static void putHalf(BlockStore store, long seed, int batch, int half) {
        try {
            for (int i = half; i < PER_BATCH; i += 2) {
                byte[] b = block(seed, batch, i);
                store.put(BlockType.DATA, b);
            }
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /** Deterministic block i of a batch: the parent regenerates it to check. */
    static byte[] block(long seed, int batch, int i) {
        Random r = new Random(seed * 1_000_003L + batch * 1009L + i);
        int len = 1 + r.nextInt(12_000);
        // some blocks repeat earlier ones, to exercise dedup across crashes
        if (i % 7 == 3 && batch > 0)
            r = new Random(seed * 1_000_003L + (batch - 1) * 1009L + i);
        return TestStores.mixedBytes(r, len);
    }
}
