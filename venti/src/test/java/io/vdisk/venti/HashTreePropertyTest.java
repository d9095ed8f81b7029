package io.vdisk.venti;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives hash-tree files with random writes, truncations and reads against a byte-array model,
 * on both stores. Small blocks (dsize 512, psize 260 = 13 scores) make trees 3-4 levels deep.
 * Every copy-on-write result must also hash exactly like a tree built from scratch.
 */
class HashTreePropertyTest {
    private static final int DSIZE = 512;
    private static final int PSIZE = 260;
    private static final int MAX = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void memoryStore() throws Exception {
        long seed = Long.getLong("seed", System.nanoTime());
        run(new MemoryBlockStore(), seed, 400);
    }

    @Test
    void diskStore() throws Exception {
        long seed = Long.getLong("seed", System.nanoTime());
        try (DiskBlockStore store = TestStores.tinyDisk(tmp.resolve("store"))) {
            run(store, seed, 200);
            assertEquals(java.util.List.of(), store.verify(null));
        }
    }

    private static void run(BlockStore store, long seed, int steps) throws Exception {
        try {
            steps(store, seed, steps);
        } catch (Throwable t) {
            throw new AssertionError("failed with -Dseed=" + seed + ": " + t, t);
        }
    }

    private static void steps(BlockStore store, long seed, int steps) throws Exception {
        Random rnd = new Random(seed);
        byte[] model = new byte[0];
        VtEntry entry = new TreeWriter(store, PSIZE, DSIZE, false).finish(0);
        for (int step = 0; step < steps; step++) {
            int op = rnd.nextInt(10);
            if (op < 6) {
                int len = 1 + rnd.nextInt(rnd.nextBoolean() ? 64 : 8 * DSIZE);
                int at = rnd.nextInt(Math.min(MAX - len, model.length + 4 * DSIZE) + 1);
                if (rnd.nextInt(4) == 0)
                    at = at / DSIZE * DSIZE;
                byte[] data = rnd.nextInt(5) == 0 ? new byte[len] : TestStores.mixedBytes(rnd, len);
                int newSize = Math.max(model.length, at + len);
                byte[] next = Arrays.copyOf(model, newSize);
                System.arraycopy(data, 0, next, at, len);
                TreeMap<Long, Score> changed = new TreeMap<>();
                for (long b = at / DSIZE; b <= (at + len - 1) / DSIZE; b++) {
                    int from = (int) (b * DSIZE);
                    int n = Math.min(DSIZE, newSize - from);
                    changed.put(b, store.put(BlockType.DATA, next, from, n));
                }
                entry = TreeUpdater.update(store, entry, newSize, changed);
                model = next;
            } else if (op < 8) {
                int newSize = rnd.nextInt(3) == 0
                    ? rnd.nextInt(model.length + 1)
                    : rnd.nextInt(Math.min(MAX, model.length * 2 + DSIZE) + 1);
                entry = TreeUpdater.update(store, entry, newSize, new TreeMap<>());
                model = Arrays.copyOf(model, newSize);
            }
            check(store, entry, model, rnd);
        }
    }

    private static void check(BlockStore store, VtEntry entry, byte[] model, Random rnd)
        throws Exception {
        assertEquals(model.length, entry.size());
        assertEquals(TreeShape.depthFor(PSIZE, DSIZE, model.length), entry.depth());
        TreeReader reader = new TreeReader(store, entry);
        int fanout = TreeShape.fanout(PSIZE);
        for (int i = 0; i < 7; i++) {
            int at;
            int len;
            if (i < 4) {
                at = rnd.nextInt(model.length + 1);
                len = rnd.nextInt(3 * DSIZE);
            } else if (i < 6) {
                // block-aligned, spanning level-1 pointer blocks: whole blocks go as runs
                at = rnd.nextInt(model.length / DSIZE + 1) * DSIZE;
                len = rnd.nextInt(2 * fanout * DSIZE + 1);
            } else {
                at = 0;
                len = model.length;
            }
            byte[] got = new byte[len];
            int n = reader.read(at, got, 0, len);
            int want = Math.min(len, model.length - at);
            assertEquals(want, n);
            assertArrayEquals(Arrays.copyOfRange(model, at, at + want), Arrays.copyOf(got, n),
                "read " + len + " at " + at + " of " + model.length);
        }
        TreeWriter w = new TreeWriter(store, PSIZE, DSIZE, false);
        for (int at = 0; at < model.length; at += DSIZE) {
            w.append(model, at, Math.min(DSIZE, model.length - at));
        }
        VtEntry fresh = w.finish(model.length);
        assertEquals(fresh.score(), entry.score(), "copy-on-write tree differs from a fresh one");
        long b = reader.nextNonZeroBlock(0);
        for (long i = 0; i < b; i++) {
            int from = (int) (i * DSIZE);
            for (int j = from; j < Math.min(model.length, from + DSIZE); j++) {
                assertEquals(0, model[j], "block " + i + " skipped as zero");
            }
        }
    }

    @Test
    void wholeReadMatchesAfterUnchangedSubtreesAreShared() throws Exception {
        MemoryBlockStore store = new MemoryBlockStore();
        Random rnd = new Random(1);
        byte[] data = TestStores.mixedBytes(rnd, 200 * DSIZE);
        TreeWriter w = new TreeWriter(store, PSIZE, DSIZE, false);
        for (int at = 0; at < data.length; at += DSIZE)
            w.append(data, at, DSIZE);
        VtEntry e = w.finish(data.length);
        long before = store.stats().blocks();
        data[5 * DSIZE] ^= 1;
        TreeMap<Long, Score> ch = new TreeMap<>();
        ch.put(5L, store.put(BlockType.DATA, data, 5 * DSIZE, DSIZE));
        VtEntry e2 = TreeUpdater.update(store, e, data.length, ch);
        // one data block plus one pointer block per level
        assertEquals(before + 1 + e2.depth(), store.stats().blocks());
        byte[] all = new byte[data.length];
        new TreeReader(store, e2).read(0, all, 0, all.length);
        assertArrayEquals(data, all);
    }
}
