package io.vdisk.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.venti.MemoryBlockStore;
import io.vdisk.venti.Score;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Seeded random writes and resizes against a byte-array model of the disk. */
class ImageCommitTest {
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    static ImageRoot build(MemoryBlockStore store, ExecutorService pool, byte[] disk,
        List<Region> regions) throws Exception {
        return new ImageBuilder(store, pool, 4).build("t", disk.length, regions,
            (off, dst, o, len) -> System.arraycopy(disk, (int) off, dst, o, len), Kind.IMPORT,
            "first", Score.ZERO, 1000);
    }

    static void assertSame(MemoryBlockStore store, ImageRoot root, byte[] model, String why)
        throws Exception {
        Image img = Image.open(store, root.score());
        assertEquals(model.length, img.size(), why);
        byte[] got = new byte[model.length];
        assertEquals(model.length, img.read(0, got, 0, got.length));
        assertArrayEquals(model, got, why);
        // Holes must really be zeros.
        for (long p = img.nextHole(0); p < img.size(); p = img.nextHole(p)) {
            long d = img.nextData(p);
            for (long i = p; i < d; i++)
                assertEquals(0, model[(int) i], why + " hole at " + i);
            p = d;
        }
    }

    @Test
    void randomWritesAndResizesMatchTheModel() throws Exception {
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        String why = "seed " + seed;
        MemoryBlockStore store = new MemoryBlockStore();
        byte[] model = new byte[300_000];
        rnd.nextBytes(model);
        Arrays.fill(model, 40_000, 120_000, (byte) 0);
        List<Region> regions = List.of(Region.raw(0, 10_000, 4096, 0, "gap"),
            new Region(10_000, 190_000, 1024, Content.EXT4, 1, i -> i % 7 != 3, "fs"),
            Region.raw(200_000, 100_000, 4096, 0, "tail"));
        // Elided blocks read as zeros: make the model agree.
        for (long i = 0; i < 190_000 / 1024 + 1; i++) {
            if (i % 7 == 3)
                Arrays.fill(model, (int) (10_000 + i * 1024),
                    (int) Math.min(200_000, 10_000 + (i + 1) * 1024), (byte) 0);
        }
        ImageRoot root = build(store, pool, model, regions);
        assertSame(store, root, model, why);
        for (int round = 0; round < 40; round++) {
            long newSize = model.length;
            if (rnd.nextInt(5) == 0)
                newSize = Math.max(0, model.length + rnd.nextInt(120_000) - 60_000);
            byte[] next = Arrays.copyOf(model, (int) newSize);
            ByteRanges dirty = new ByteRanges();
            int writes = rnd.nextInt(6);
            for (int w = 0; w < writes && newSize > 0; w++) {
                int off = rnd.nextInt((int) newSize);
                int len = Math.min(rnd.nextInt(9000) + 1, (int) newSize - off);
                if (rnd.nextBoolean())
                    Arrays.fill(next, off, off + len, (byte) 0);
                else
                    for (int i = off; i < off + len; i++)
                        next[i] = (byte) rnd.nextInt();
                dirty.add(off, len);
            }
            byte[] content = next;
            ImageRoot old = root;
            root = ImageCommit.commit(store, old, newSize, dirty,
                (off, dst, o, len) -> System.arraycopy(content, (int) off, dst, o, len),
                Kind.FLUSH, round % 3 == 0, "round " + round, old.score(), 2000 + round);
            model = next;
            assertSame(store, root, model, why + " round " + round);
            assertEquals(old.score(), root.prev(), why);
            assertEquals(round % 3 == 0, root.snapshot());
            assertEquals(Kind.FLUSH, root.kind());
            // The old version is untouched.
            assertEquals(old.size(), Image.open(store, old.score()).size());
        }
    }

    @Test
    void unchangedCommitWritesOnlyMetadata() throws Exception {
        MemoryBlockStore store = new MemoryBlockStore();
        byte[] disk = new byte[100_000];
        new Random(1).nextBytes(disk);
        ImageRoot root = build(store, pool, disk, List.of(Region.raw(0, disk.length, 4096, 0,
            "")));
        long blocks = store.stats().blocks();
        ImageRoot next = ImageCommit.commit(store, root, disk.length, new ByteRanges(),
            (o, d, x, l) -> {
                throw new AssertionError("nothing is dirty");
            }, Kind.MANUAL, true, "m", root.score(), 5);
        assertEquals(0, next.changedBlocks());
        assertTrue(store.stats().blocks() - blocks <= 3, "meta, dir and root only");
        assertEquals(root.entries().get(1), next.entries().get(1));
    }

    @Test
    void largeCommitsAreStoredInParallelBatchesInOrder() throws Exception {
        MemoryBlockStore store = new MemoryBlockStore();
        Random rnd = new Random(7);
        byte[] disk = new byte[4 << 20]; // 1,024 blocks of 4 KiB: four batches and more
        rnd.nextBytes(disk);
        ImageRoot root = build(store, pool, disk, List.of(Region.raw(0, disk.length, 4096, 0,
            "")));
        byte[] next = disk.clone();
        ByteRanges dirty = new ByteRanges();
        int[][] writes = {{100, 3 << 20}, {(3 << 20) + 5000, 1}, {(3 << 20) + 4097, 9000},
            {disk.length - 10, 10}};
        java.util.Set<Integer> touched = new java.util.HashSet<>();
        for (int[] w : writes) {
            for (int i = w[0]; i < w[0] + w[1]; i++)
                next[i] = (byte) rnd.nextInt();
            dirty.add(w[0], w[1]);
            for (int b = w[0] / 4096; b <= (w[0] + w[1] - 1) / 4096; b++)
                touched.add(b);
        }
        ImageRoot got = ImageCommit.commit(store, root, next.length, dirty,
            (off, dst, o, len) -> System.arraycopy(next, (int) off, dst, o, len), Kind.FLUSH,
            false, "", root.score(), 3);
        assertSame(store, got, next, "after a commit of " + touched.size() + " blocks");
        assertEquals(touched.size(), got.changedBlocks());
    }

    @Test
    void aFailedReadFailsTheCommit() throws Exception {
        MemoryBlockStore store = new MemoryBlockStore();
        byte[] disk = new byte[4 << 20];
        ImageRoot root = build(store, pool, disk, List.of(Region.raw(0, disk.length, 4096, 0,
            "")));
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(
            java.io.IOException.class, () -> ImageCommit.commit(store, root, disk.length,
                new ByteRanges().add(0, disk.length), (off, dst, o, len) -> {
                    if (off == 3 << 20) throw new java.io.IOException("journal unreadable");
                    System.arraycopy(disk, (int) off, dst, o, len);
                }, Kind.FLUSH, false, "", root.score(), 3));
        assertEquals("journal unreadable", e.getMessage());
        // an unchecked failure (a generation released under the commit) keeps its type
        IllegalStateException ise = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class, () -> ImageCommit.commit(store, root, disk.length,
                new ByteRanges().add(0, disk.length), (off, dst, o, len) -> {
                    if (off == 2 << 20) throw new IllegalStateException("generation released");
                    System.arraycopy(disk, (int) off, dst, o, len);
                }, Kind.FLUSH, false, "", root.score(), 3));
        assertEquals("generation released", ise.getMessage());
    }

    @Test
    void growingAfterAFileSystemExtentAddsARawExtent() throws Exception {
        MemoryBlockStore store = new MemoryBlockStore();
        byte[] disk = new byte[8192];
        Arrays.fill(disk, (byte) 7);
        ImageRoot root = build(store, pool, disk, List.of(new Region(0, 8192, 1024,
            Content.EXT2, 1, Region.ALL, "")));
        ImageRoot grown = ImageCommit.commit(store, root, 20_000, new ByteRanges(), null,
            Kind.FLUSH, false, "", root.score(), 1);
        assertEquals(2, grown.extents().size());
        assertEquals(Content.RAW, grown.extents().get(1).content());
        byte[] model = Arrays.copyOf(disk, 20_000);
        assertSame(store, grown, model, "grown");
        ImageRoot grown2 = ImageCommit.commit(store, grown, 30_000, new ByteRanges(), null,
            Kind.FLUSH, false, "", root.score(), 1);
        assertEquals(2, grown2.extents().size(), "the raw tail extends");
    }

    /**
     * Import workers reuse their batch arrays: a short last batch after a full one stores only
     * its own bytes, not the full batch's left in the array past them.
     */
    @Test
    void aShortLastBatchStoresOnlyItsOwnBytes() throws Exception {
        byte[] disk = new byte[ImageBuilder.BATCH_BYTES + 1000];
        new Random(5).nextBytes(disk);
        disk[disk.length - 1] = 1; // nothing for zero truncation to cut
        ExecutorService one = Executors.newSingleThreadExecutor(); // it hashes both batches
        try {
            MemoryBlockStore store = new MemoryBlockStore();
            ImageRoot root = build(store, one, disk,
                List.of(Region.raw(0, disk.length, 4096, 0, "")));
            assertSame(store, root, disk, "short last batch");
            assertTrue(store.has(Score.hash(disk, ImageBuilder.BATCH_BYTES, 1000)),
                "the last block is stored as its 1000 bytes");
        } finally {
            one.shutdownNow();
        }
    }
}
