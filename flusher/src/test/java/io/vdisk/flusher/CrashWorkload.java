package io.vdisk.flusher;

import java.util.Random;

/**
 * The deterministic writes of a crash round: the child performs them, the parent replays them
 * to know what the image must hold. Not thread-safe (one owner).
 */
final class CrashWorkload {
    static final long SIZE = 4L << 20;
    /** Writes between two journal flushes the child reports. */
    static final int BATCH = 8;

    record Op(int index, long offset, byte[] data) {
    }

    private final Random rng;
    private int index;

    CrashWorkload(long seed) {
        this.rng = new Random(seed);
    }

    Op next() {
        index++;
        int len = 1 + rng.nextInt(3 * 4096);
        long offset = (long) (rng.nextDouble() * (SIZE - len));
        if (rng.nextInt(4) == 0) {
            offset -= offset % 4096; // some block-aligned writes too
        }
        byte[] data = new byte[len];
        rng.nextBytes(data);
        return new Op(index, offset, data);
    }
}
