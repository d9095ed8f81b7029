package io.vdisk.venti.internal;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The last frames read, decompressed but not verified, by arena address. A frame holds up to 64
 * blocks of 4 KiB; a reader that asks for them one at a time (a cold sequential read, a
 * verify) would otherwise decompress the whole frame for each. Blocks are verified as they
 * leave, by whoever takes them.
 *
 * <p>Direct-mapped: a frame goes to the slot its address hashes to and replaces what was there,
 * so a lookup is one volatile read and the cache never holds more than {@link #SLOTS} frames.
 * Thread-safe; the frames are immutable once published.
 */
public final class FrameCache {
    private static final int SLOTS = 64;

    /** A decompressed frame: its blocks back to back. Never modified. */
    private record Decoded(int arena, long pos, byte[] blocks) {
    }

    private final AtomicReferenceArray<Decoded> slots = new AtomicReferenceArray<>(SLOTS);
    /** Per slot, the address of the last frame a lone block was read from without caching it. */
    private final AtomicLongArray glimpsed = new AtomicLongArray(SLOTS);

    /** The blocks of the frame at the address, or null. */
    public byte[] get(int arena, long pos) {
        Decoded d = slots.get(slot(arena, pos));
        return d != null && d.pos == pos && d.arena == arena ? d.blocks : null;
    }

    /** Keeps the decompressed {@code blocks} of the frame at the address; never modify them. */
    public void put(int arena, long pos, byte[] blocks) {
        slots.set(slot(arena, pos), new Decoded(arena, pos, blocks));
    }

    /**
     * Records that a lone block of the frame at the address was read, and says whether one was
     * before: a frame asked for twice is worth decompressing whole and keeping.
     */
    public boolean glimpse(int arena, long pos) {
        long key = (long) arena << 40 | pos;
        return glimpsed.getAndSet(slot(arena, pos), key) == key;
    }

    private static int slot(int arena, long pos) {
        long h = (pos ^ (long) arena << 40) * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 58);
    }
}
