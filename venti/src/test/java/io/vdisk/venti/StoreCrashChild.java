package io.vdisk.venti;

import java.nio.file.Path;
import java.util.Random;

/**
 * Child process of {@link DiskStoreCrashTest}: puts batches of blocks from two threads, one
 * block by block and one as runs (frames), syncs, and prints "SYNCED seed batch" once each
 * batch is durable, until it is killed.
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

    /** Largest block {@link #block} makes, rounded up: the stride of a run put at once. */
    private static final int STRIDE = 12_288;

    /**
     * Half 0 puts its blocks one by one (a record each); half 1 puts them as one run, zero
     * padded to a common size, as an import does (frame records).
     */
    private static void putHalf(BlockStore store, long seed, int batch, int half) {
        try {
            if (half == 0) {
                for (int i = half; i < PER_BATCH; i += 2)
                    store.put(BlockType.DATA, block(seed, batch, i));
                return;
            }
            int n = (PER_BATCH - half + 1) / 2;
            byte[] run = new byte[n * STRIDE];
            for (int k = 0; k < n; k++) {
                byte[] b = block(seed, batch, half + 2 * k);
                System.arraycopy(b, 0, run, k * STRIDE, b.length);
            }
            store.putRun(BlockType.DATA, run, 0, run.length, STRIDE, new Score[n], 0);
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
