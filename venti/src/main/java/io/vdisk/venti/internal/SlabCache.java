package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Verified data blocks by score, packed into slabs of direct memory, up to a byte budget. Readers
 * get read-only slices of the slabs ({@link #slice}), so a block goes from here to a socket with
 * no copy in Java; blocks cached one after another sit next to each other, so a run of them is
 * one slice ({@link Entry#follows}).
 *
 * <p>Eviction drops the oldest slab whole, first in first out, as {@link BlockCache} does and for
 * the same reason: a lookup takes no lock and writes nothing shared but the slab's pin count.
 *
 * <p><b>Pins.</b> A reader pins the slab of every entry it got ({@link #pinned}, {@link #reserve})
 * and unpins it ({@link #unpin}) once done with the bytes, which for a network reply is when the
 * socket took them. The ring holds one pin of its own until it evicts the slab. A slab whose
 * last pin goes has its memory reused for a new slab: fresh memory costs a page fault and the
 * zeroing of every page, more than the copy the cache saves. A new slab is a new object, so an
 * entry that a reader looked up just before its slab went can no longer be pinned.
 *
 * <p>Thread-safe: lookups are lock-free; reserving room takes one lock, writing it none.
 */
public final class SlabCache {
    private static final int MAX_SLAB = 1 << 20;
    private static final int MIN_SLAB = 64 << 10;
    /** Unpinned slab memory kept for reuse beyond the budget. */
    private static final int SPARE_SLABS = 4;

    private final ConcurrentHashMap<Score, Entry> map = new ConcurrentHashMap<>();
    private final int slabSize;
    private final int maxSlabs;
    private final ArrayDeque<Slab> ring = new ArrayDeque<>(); // guarded by this, oldest first
    private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>(); // guarded by this
    /**
     * The slab each loading thread fills. One per thread keeps the blocks of one request, which
     * one thread loads, next to each other even while other threads load theirs.
     */
    private final ThreadLocal<Slab> current = new ThreadLocal<>(); // read under this

    /** Where a cached block's bytes are. */
    public static final class Entry {
        private final Score score;
        private final Slab slab;
        private final int offset;
        private final int length;
        /** Where this entry is in its slab's entries: the one before it holds the bytes before. */
        private final int index;
        /**
         * The published entry whose bytes begin where this one's end, in the same slab. A run of
         * blocks read in the order they were cached follows these links instead of looking each
         * one up in the map, which took an eighth of the server's CPU in a warm streaming read.
         */
        private volatile Entry successor;

        private Entry(Score score, Slab slab, int offset, int length, int index) {
            this.score = score;
            this.index = index;
            this.slab = slab;
            this.offset = offset;
            this.length = length;
        }

        /** The block's (zero-truncated) length. */
        public int length() {
            return length;
        }

        /** Whether this block's bytes begin where {@code e}'s end, in the same slab. */
        public boolean follows(Entry e) {
            return e.slab == slab && e.offset + e.length == offset;
        }
    }

    private final class Slab implements Runnable {
        final ByteBuffer memory;
        final ByteBuffer readOnly;
        final List<Entry> entries = new ArrayList<>();
        final AtomicInteger pins = new AtomicInteger(1); // the ring's
        int used; // guarded by SlabCache.this
        boolean evicted; // guarded by SlabCache.this

        Slab(ByteBuffer memory) {
            this.memory = memory;
            this.readOnly = memory.asReadOnlyBuffer();
        }

        boolean tryPin() {
            for (int p = pins.get(); p > 0; p = pins.get()) {
                if (pins.compareAndSet(p, p + 1)) return true;
            }
            return false;
        }

        /** Unpins. */
        @Override
        public void run() {
            int left = pins.decrementAndGet();
            if (left == 0) recycle(memory);
            else if (left < 0) throw new IllegalStateException("slab unpinned more than pinned");
        }
    }

    /** @param budgetBytes total budget; 0 disables the cache */
    public SlabCache(long budgetBytes) {
        this.slabSize = (int) Math.max(MIN_SLAB, Math.min(MAX_SLAB, budgetBytes / 8));
        this.maxSlabs = (int) Math.min(Integer.MAX_VALUE, budgetBytes / slabSize);
    }

    /** Whether blocks of {@code size} bytes are cached: the cache is on and they fit a slab. */
    public boolean fits(int size) {
        return maxSlabs > 0 && size <= slabSize / 4;
    }

    /** @return the cached block, its slab pinned; or null */
    public Entry pinned(Score s) {
        if (maxSlabs == 0) return null;
        Entry e = map.get(s);
        return e != null && e.slab.tryPin() ? e : null;
    }

    /**
     * The entry that {@link Entry#follows follows} {@code previous} (which the caller has pinned)
     * if it caches {@code s}, else {@code s}'s entry from the map; pinned, or null. Reading
     * blocks in the order they were cached costs no map lookup.
     */
    public Entry pinnedAfter(Entry previous, Score s) {
        Entry n = previous.successor;
        if (n != null && n.score.equals(s) && n.slab.tryPin()) return n;
        return pinned(s);
    }

    /**
     * Reserves room for a block of {@code len} bytes, which must {@link #fits fit}, for the
     * caller to write ({@link #room}) and then {@link #publish}, or drop by unpinning it. Writing
     * takes no lock, so loads on several threads proceed at once.
     *
     * @return the entry to be, its slab pinned
     */
    public Entry reserve(Score s, int len) {
        if (!fits(len)) throw new IllegalArgumentException(len + " bytes do not fit a slab");
        synchronized (this) {
            Slab slab = current.get();
            if (slab == null || slab.evicted || slab.used + len > slabSize) {
                while (ring.size() >= maxSlabs)
                    evict(ring.removeFirst());
                ByteBuffer memory = spare.pollFirst();
                slab = new Slab(memory != null ? memory : ByteBuffer.allocateDirect(slabSize));
                ring.addLast(slab);
                current.set(slab);
            }
            Entry e = new Entry(s, slab, slab.used, len, slab.entries.size());
            slab.used += len;
            slab.entries.add(e);
            slab.pins.incrementAndGet();
            return e;
        }
    }

    /** Where a {@link #reserve reserved} block is written: position 0, limit its length. */
    public static ByteBuffer room(Entry e) {
        return e.slab.memory.slice(e.offset, e.length);
    }

    /**
     * Makes a reserved block, written, visible to lookups; unless its slab was evicted meanwhile,
     * when the bytes are still the caller's to read but no one else's.
     *
     * @return {@code e}, still pinned
     */
    public synchronized Entry publish(Entry e) {
        if (!e.slab.evicted) map.put(e.score, e);
        // An evicted slab's bytes stay put while a reader pins it, so the link is safe there too.
        if (e.index > 0) e.slab.entries.get(e.index - 1).successor = e;
        return e;
    }

    private void evict(Slab old) {
        old.evicted = true;
        for (Entry e : old.entries)
            map.remove(e.score, e);
        old.run(); // the ring's pin
    }

    private synchronized void recycle(ByteBuffer memory) {
        if (spare.size() < SPARE_SLABS) spare.addLast(memory);
    }

    /** Unpins {@code e}'s slab. */
    public static void unpin(Entry e) {
        e.slab.run();
    }

    /** What unpins {@code e}'s slab when run (once). */
    public static Runnable unpinner(Entry e) {
        return e.slab;
    }

    /**
     * Read-only view of {@code bytes} bytes from {@code first}'s start: its own and those of the
     * entries that {@link Entry#follows follow} it. Valid while the slab is pinned.
     */
    public static ByteBuffer slice(Entry first, int bytes) {
        return first.slab.readOnly.slice(first.offset, bytes);
    }

    /** Copies a block's bytes into {@code dst} at {@code off}; its slab must be pinned. */
    public static void copy(Entry e, byte[] dst, int off) {
        e.slab.readOnly.get(e.offset, dst, off, e.length);
    }

    /** Bytes of the slabs in the ring. */
    public synchronized long bytes() {
        return (long) ring.size() * slabSize;
    }

    /** Bytes of unpinned slab memory kept for reuse. */
    public synchronized long spareBytes() {
        return (long) spare.size() * slabSize;
    }
}
