package io.vdisk.venti.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.venti.Score;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SlabCacheTest {
    private static final int SLAB = 64 << 10; // the smallest slab: budgets under 512 KiB get it
    private static final int BLOCK = 4096;

    private static byte[] block(int i) {
        byte[] b = new byte[BLOCK];
        Arrays.fill(b, (byte) (i * 7 + 1));
        b[0] = (byte) (i >> 8);
        return b;
    }

    private static Score score(int i) {
        byte[] b = block(i);
        return Score.hash(b, 0, b.length);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Caches block i as the store does after a miss (reserve, write, publish); still pinned. */
    private static SlabCache.Entry load(SlabCache c, int i) {
        SlabCache.Entry e = c.reserve(score(i), BLOCK);
        SlabCache.room(e).put(block(i));
        return c.publish(e);
    }

    /** Caches block i and drops the caller's pin, as a reader done with it would. */
    private static SlabCache.Entry putAndUnpin(SlabCache c, int i) {
        SlabCache.Entry e = load(c, i);
        SlabCache.unpin(e);
        return e;
    }

    @Test
    void blocksPutOneAfterAnotherAreOneSlice() {
        SlabCache c = new SlabCache(4L * SLAB);
        SlabCache.Entry a = putAndUnpin(c, 1);
        SlabCache.Entry b = putAndUnpin(c, 2);
        assertTrue(b.follows(a));
        assertFalse(a.follows(b));
        SlabCache.Entry p = c.pinned(score(1));
        assertNotNull(p);
        ByteBuffer both = SlabCache.slice(p, 2 * BLOCK);
        assertTrue(both.isReadOnly());
        byte[] expected = new byte[2 * BLOCK];
        System.arraycopy(block(1), 0, expected, 0, BLOCK);
        System.arraycopy(block(2), 0, expected, BLOCK, BLOCK);
        assertTrue(Arrays.equals(expected, bytes(both)));
        SlabCache.unpin(p);
    }

    @Test
    void theNextBlockIsFoundThroughItsNeighbourEvenAfterEviction() {
        SlabCache c = new SlabCache(4L * SLAB);
        SlabCache.Entry first = load(c, 1); // the reader's pin holds the slab
        SlabCache.Entry second = putAndUnpin(c, 2);
        int perSlab = SLAB / BLOCK;
        for (int i = 3; i < 10 * perSlab; i++)
            putAndUnpin(c, i);
        assertNull(c.pinned(score(2)), "the map should have dropped the evicted slab");
        SlabCache.Entry next = c.pinnedAfter(first, score(2));
        assertSame(second, next);
        assertTrue(Arrays.equals(block(2), bytes(SlabCache.slice(next, BLOCK))));
        assertNull(c.pinnedAfter(first, score(3)), "block 3 does not follow block 1");
        SlabCache.unpin(next);
        SlabCache.unpin(first);
    }

    @Test
    void aNeighbourNotYetPublishedIsNotFound() {
        SlabCache c = new SlabCache(4L * SLAB);
        SlabCache.Entry first = load(c, 1);
        SlabCache.Entry reserved = c.reserve(score(2), BLOCK); // bytes not written yet
        assertNull(c.pinnedAfter(first, score(2)));
        SlabCache.room(reserved).put(block(2));
        c.publish(reserved);
        SlabCache.Entry next = c.pinnedAfter(first, score(2));
        assertSame(reserved, next);
        SlabCache.unpin(next);
        SlabCache.unpin(reserved);
        SlabCache.unpin(first);
    }

    @Test
    void staysWithinBudgetDroppingTheOldestSlab() {
        SlabCache c = new SlabCache(4L * SLAB);
        int perSlab = SLAB / BLOCK;
        for (int i = 0; i < 10 * perSlab; i++)
            putAndUnpin(c, i);
        assertTrue(c.bytes() <= 4L * SLAB, "over budget: " + c.bytes());
        assertNull(c.pinned(score(0)), "the oldest slab should be gone");
        SlabCache.Entry newest = c.pinned(score(10 * perSlab - 1));
        assertNotNull(newest);
        SlabCache.unpin(newest);
    }

    @Test
    void aPinnedSlabKeepsItsBytesAfterEvictionAndIsReusedOnlyOnceUnpinned() {
        SlabCache c = new SlabCache(2L * SLAB);
        int perSlab = SLAB / BLOCK;
        SlabCache.Entry held = load(c, 0); // stays pinned
        ByteBuffer view = SlabCache.slice(held, BLOCK);
        for (int i = 1; i < 6 * perSlab; i++)
            putAndUnpin(c, i);
        assertNull(c.pinned(score(0)), "evicted");
        assertTrue(Arrays.equals(block(0), bytes(view)), "a pinned slab's memory was reused");
        long spare = c.spareBytes();
        SlabCache.unpin(held);
        assertEquals(Math.min(spare + SLAB, 4L * SLAB), c.spareBytes());
        // an entry looked up before its slab went can no longer be pinned, even once the memory
        // serves a new slab
        for (int i = 0; i < 6 * perSlab; i++)
            putAndUnpin(c, 1000 + i);
        assertNull(c.pinned(score(5)));
        assertThrows(IllegalStateException.class, () -> SlabCache.unpin(held));
    }

    /**
     * A block whose slab is evicted while it loads is still the loader's to read, but no other
     * reader finds it.
     */
    @Test
    void aBlockWhoseSlabWentWhileItLoadedIsNotPublished() {
        SlabCache c = new SlabCache(2L * SLAB);
        SlabCache.Entry loading = c.reserve(score(0), BLOCK);
        for (int i = 1; i < 3 * (SLAB / BLOCK); i++) // this thread fills three slabs: the first goes
            putAndUnpin(c, i);
        SlabCache.room(loading).put(block(0));
        assertTrue(c.publish(loading) == loading);
        assertNull(c.pinned(score(0)), "published into an evicted slab");
        assertTrue(Arrays.equals(block(0), bytes(SlabCache.slice(loading, BLOCK))));
        SlabCache.unpin(loading);
        assertEquals(SLAB, c.spareBytes(), "its memory is free once the loader lets go");
    }

    @Test
    void offOrTooBigCachesNothing() {
        SlabCache off = new SlabCache(0);
        assertFalse(off.fits(1));
        assertThrows(IllegalArgumentException.class, () -> off.reserve(score(1), BLOCK));
        assertNull(off.pinned(score(1)));
        SlabCache c = new SlabCache(4L * SLAB);
        assertFalse(c.fits(SLAB / 4 + 1));
        assertThrows(IllegalArgumentException.class, () -> c.reserve(score(1), SLAB / 4 + 1));
    }

    /**
     * Readers on several threads hold slices for a while, as replies in flight do, while others
     * fill the cache past its budget; every slice must still hold its block when released.
     */
    @Test
    void slicesHeldAcrossEvictionsKeepTheirBytes() throws Exception {
        SlabCache c = new SlabCache(4L * SLAB); // 64 blocks: constant eviction
        int blocks = 1000;
        Score[] scores = new Score[blocks];
        for (int i = 0; i < blocks; i++)
            scores[i] = score(i);
        java.util.concurrent.atomic.AtomicInteger bad = new java.util.concurrent.atomic.AtomicInteger();
        Runnable reader = () -> {
            java.util.Random rnd = new java.util.Random(Thread.currentThread().getId());
            java.util.ArrayDeque<Object[]> held = new java.util.ArrayDeque<>();
            for (int op = 0; op < 20_000; op++) {
                int i = rnd.nextInt(blocks);
                SlabCache.Entry e = c.pinned(scores[i]);
                if (e == null) e = load(c, i);
                held.add(new Object[]{e, SlabCache.slice(e, BLOCK), i});
                if (held.size() > 16) {
                    Object[] h = held.poll();
                    if (!Arrays.equals(block((int) h[2]), bytes((ByteBuffer) h[1])))
                        bad.incrementAndGet();
                    SlabCache.unpin((SlabCache.Entry) h[0]);
                }
            }
            for (Object[] h : held)
                SlabCache.unpin((SlabCache.Entry) h[0]);
        };
        Thread[] ts = new Thread[4];
        for (int t = 0; t < ts.length; t++)
            (ts[t] = new Thread(reader)).start();
        for (Thread t : ts)
            t.join();
        assertEquals(0, bad.get(), "slices whose bytes changed while pinned");
        assertTrue(c.bytes() <= 4L * SLAB);
    }

    /** Two threads loading in turn, as two event loops serving two requests do. */
    @Test
    void eachThreadsBlocksStayNextToEachOther() throws Exception {
        SlabCache c = new SlabCache(8L * SLAB);
        var a = java.util.concurrent.Executors.newSingleThreadExecutor();
        var b = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            SlabCache.Entry lastA = null;
            SlabCache.Entry lastB = null;
            for (int i = 0; i < 8; i++) {
                int k = i;
                SlabCache.Entry ea = a.submit(() -> putAndUnpin(c, k)).get();
                SlabCache.Entry eb = b.submit(() -> putAndUnpin(c, 100 + k)).get();
                if (lastA != null) assertTrue(ea.follows(lastA), "thread a, block " + k);
                if (lastB != null) assertTrue(eb.follows(lastB), "thread b, block " + k);
                lastA = ea;
                lastB = eb;
            }
        } finally {
            a.shutdown();
            b.shutdown();
        }
    }
}
