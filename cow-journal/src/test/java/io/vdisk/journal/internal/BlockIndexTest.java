package io.vdisk.journal.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vdisk.journal.internal.BlockIndex.Extent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link BlockIndex} stores extents; these tests hold it to the per-block map it stands for: a
 * few hand-made splits and merges, and random overlapping puts, zero runs and cuts against a
 * {@code long[]} model with one slot per block.
 */
class BlockIndexTest {
    private static final int BS = 4096;
    private static final long H = 64; // stands for a log position past the file header
    /** Model value of a block the index does not hold. */
    private static final long ABSENT = Long.MIN_VALUE;

    @TempDir
    Path dir;

    private static long at(long blocks) {
        return H + blocks * BS;
    }

    @Test
    void newerExtentSplitsOlderOne() throws Exception {
        try (BlockIndex idx = new BlockIndex(BS)) {
            idx.put(0, 10, at(0));
            idx.put(3, 2, at(100));
            assertEquals(10, idx.count());
            assertEquals(at(2), idx.get(2));
            assertEquals(at(100), idx.get(3));
            assertEquals(at(101), idx.get(4));
            assertEquals(at(5), idx.get(5), "the tail keeps its own payload position");
            assertEquals(at(9), idx.get(9));
            assertNull(idx.get(10));
            assertEquals(List.of(new Extent(0, 3, at(0)), new Extent(3, 2, at(100)),
                new Extent(5, 5, at(5))), extents(idx));
        }
    }

    @Test
    void extentOverManyReplacesThemAndTrimsBothEnds() throws Exception {
        try (BlockIndex idx = new BlockIndex(BS)) {
            idx.put(0, 4, at(0));
            idx.put(5, 2, BlockIndex.ZERO);
            idx.put(8, 4, at(10));
            idx.put(2, 8, at(50)); // from inside the first to inside the last
            assertEquals(List.of(new Extent(0, 2, at(0)), new Extent(2, 8, at(50)),
                new Extent(10, 2, at(12))), extents(idx));
            assertEquals(12, idx.count());
        }
    }

    @Test
    void contiguousRecordsMergeIntoOneExtent() throws Exception {
        try (BlockIndex idx = new BlockIndex(BS)) {
            for (int r = 0; r < 8; r++) {
                idx.put(r * 256L, 256, at(r * 256L));
            }
            idx.put(2048, 5, BlockIndex.ZERO);
            idx.put(2053, 5, BlockIndex.ZERO);
            idx.put(2058, 1, at(3000)); // adjacent, but not contiguous in the log
            assertEquals(List.of(new Extent(0, 2048, at(0)), new Extent(2048, 10, BlockIndex.ZERO),
                new Extent(2058, 1, at(3000))), extents(idx));
            assertEquals(2059, idx.count());
            assertEquals(at(1000), idx.get(1000));
        }
    }

    @Test
    void removeFromCutsTheStraddlingExtent() throws Exception {
        try (BlockIndex idx = new BlockIndex(BS)) {
            idx.put(0, 10, at(0));
            idx.put(20, 5, BlockIndex.ZERO);
            idx.removeFrom(4);
            assertEquals(List.of(new Extent(0, 4, at(0))), extents(idx));
            assertEquals(4, idx.count());
            assertNull(idx.get(4));
            assertNull(idx.get(20));
            idx.removeFrom(0);
            assertEquals(0, idx.count());
            assertFalse(idx.entries().iterator().hasNext());
        }
    }

    @Test
    void runsLongerThanOneExtentAreSplitAndMergingStopsAtTheLimit() throws Exception {
        long max = BlockIndex.MAX_COUNT;
        try (BlockIndex idx = new BlockIndex(512)) {
            long zeros = Integer.MAX_VALUE; // one ZERO record can be this long
            idx.put(0, zeros, BlockIndex.ZERO);
            assertEquals(zeros, idx.count());
            List<Extent> xs = extents(idx);
            assertEquals((zeros + max - 1) / max, xs.size());
            assertTrue(xs.stream().allMatch(x -> x.count() <= max && x.isZero()));
            assertEquals(BlockIndex.ZERO, idx.get(zeros - 1));
            assertNull(idx.get(zeros));
            idx.put(max - 1, 2, H); // across the boundary of the first two extents
            assertEquals(H, idx.get(max - 1));
            assertEquals(H + 512, idx.get(max));
            assertEquals(BlockIndex.ZERO, idx.get(max + 1));
            assertEquals(zeros, idx.count());
            idx.removeFrom(0);

            idx.put(0, max - 1, H);
            idx.put(max - 1, 3, H + (max - 1) * 512); // contiguous, but too long to merge
            assertEquals(List.of(new Extent(0, max - 1, H), new Extent(max - 1, 3,
                H + (max - 1) * 512)), extents(idx));
            assertEquals(H + (max + 1) * 512, idx.get(max + 1));
        }
    }

    @Test
    void rejectsEmptyNegativeAndOutOfRangeExtents() throws Exception {
        try (BlockIndex idx = new BlockIndex(BS)) {
            assertThrows(IllegalArgumentException.class, () -> idx.put(0, 0, at(0)));
            assertThrows(IllegalArgumentException.class, () -> idx.put(-1, 1, at(0)));
            assertThrows(IllegalArgumentException.class, () -> idx.put(0, 1, -7));
            assertThrows(IllegalArgumentException.class, () -> idx.put(0, 1, 1L << 44));
            assertEquals(0, idx.count());
        }
    }

    static long[] seeds() {
        long[] s = new long[16];
        for (int i = 0; i < s.length; i++) {
            s[i] = 0xB10C0000L + i * 104729L;
        }
        return s;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void matchesPerBlockModel(long seed) throws Exception {
        try {
            run(seed);
        } catch (Throwable t) {
            throw new AssertionError("BlockIndexTest failed with seed " + seed, t);
        }
    }

    private void run(long seed) throws Exception {
        Random rnd = new Random(seed);
        int bs = 512 << rnd.nextInt(8);
        int blocks = 1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 600);
        long[] model = new long[blocks];
        Arrays.fill(model, ABSENT);
        long tail = H; // the log's append position: data payloads are never reused
        long lastEnd = 0;
        try (BlockIndex idx = new BlockIndex(bs)) {
            for (int step = 0; step < 500; step++) {
                int op = rnd.nextInt(100);
                String what;
                if (op < 60) {
                    // often right after the previous put, so contiguous extents get merged
                    long first = rnd.nextInt(3) == 0 && lastEnd < blocks
                        ? lastEnd
                        : rnd.nextInt(blocks);
                    int count = 1 + rnd.nextInt((int) Math.min(blocks - first, rnd.nextBoolean()
                        ? 4
                        : blocks));
                    if (rnd.nextInt(4) == 0) {
                        tail += bs * (1 + rnd.nextInt(3)); // another record's bytes in between
                    }
                    idx.put(first, count, tail);
                    for (int i = 0; i < count; i++) {
                        model[(int) first + i] = tail + (long) i * bs;
                    }
                    tail += (long) count * bs;
                    lastEnd = first + count;
                    what = "data " + first + "+" + count;
                } else if (op < 85) {
                    long first = rnd.nextInt(blocks);
                    int count = 1 + rnd.nextInt((int) (blocks - first));
                    idx.put(first, count, BlockIndex.ZERO);
                    Arrays.fill(model, (int) first, (int) first + count, BlockIndex.ZERO);
                    lastEnd = first + count;
                    what = "zero " + first + "+" + count;
                } else {
                    int from = rnd.nextInt(blocks + 1);
                    idx.removeFrom(from);
                    Arrays.fill(model, from, blocks, ABSENT);
                    what = "removeFrom " + from;
                }
                check(idx, model, "step " + step + " (" + what + ")");
            }
        }
    }

    private static void check(BlockIndex idx, long[] model, String why) {
        long mapped = 0;
        for (int b = 0; b < model.length; b++) {
            Long got = idx.get(b);
            assertEquals(model[b] == ABSENT ? null : model[b], got, why + ": block " + b);
            mapped += model[b] == ABSENT ? 0 : 1;
        }
        assertNull(idx.get(model.length), why + ": past the end");
        assertEquals(mapped, idx.count(), why + ": count");
        Iterator<Map.Entry<Long, Long>> it = idx.entries().iterator();
        for (int b = 0; b < model.length; b++) {
            if (model[b] != ABSENT) {
                assertTrue(it.hasNext(), why + ": entries end before block " + b);
                Map.Entry<Long, Long> e = it.next();
                assertEquals(b, e.getKey(), why + ": entries order");
                assertEquals(model[b], e.getValue(), why + ": entry of block " + b);
            }
        }
        assertFalse(it.hasNext(), why + ": entries past the model");
        long end = -1;
        for (Extent x : idx.extents()) {
            assertTrue(x.count() >= 1 && x.start() >= end, why + ": extents overlap at " + x);
            end = x.end();
        }
    }

    private static List<Extent> extents(BlockIndex idx) {
        List<Extent> out = new ArrayList<>();
        idx.extents().forEach(out::add);
        return out;
    }

    /** An index nobody wrote to takes no MapDB store (2 MiB each), whatever is asked of it. */
    @Test
    void anIndexNeverWrittenAllocatesNothing() throws Exception {
        try (BlockIndex idx = new BlockIndex(BS)) {
            assertNull(idx.get(7));
            idx.removeFrom(0);
            assertFalse(idx.extents().iterator().hasNext());
            assertEquals(0, idx.count());
            assertFalse(idx.allocated());
            idx.put(7, 1, at(0));
            assertTrue(idx.allocated());
            assertEquals(at(0), idx.get(7));
        }
    }

    /**
     * Closing an index gives its direct memory back at once, not when the GC gets to it. The
     * count is JVM-wide, and buffers other tests left unreachable may be freed by their
     * cleaners mid-measurement; an attempt whose baseline moved is taken again. The index
     * stays reachable throughout, so without the cleaner hack no attempt can pass.
     */
    @Test
    void closeFreesTheMemory() throws Exception {
        String last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            System.gc();
            long before = directBuffers();
            BlockIndex idx = new BlockIndex(BS);
            for (long b = 0; b < 10_000; b += 2)
                idx.put(b, 1, at(b));
            long open = directBuffers();
            idx.close();
            long closed = directBuffers();
            java.lang.ref.Reference.reachabilityFence(idx);
            if (open > before && closed == before) return;
            last = "before " + before + ", open " + open + ", closed " + closed;
        }
        fail("direct buffers were not freed at close: " + last);
    }

    private static long directBuffers() {
        for (var pool : java.lang.management.ManagementFactory.getPlatformMXBeans(
            java.lang.management.BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) return pool.getCount();
        }
        throw new AssertionError("no direct buffer pool");
    }
}
