package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A Bloom filter over scores: "definitely absent" answers let a put of a new block skip the
 * index lookup, so a new block touches the index once (its insert). Scores are uniformly
 * random, so the k probes come straight from their bits with no extra hashing.
 *
 * <p>About 10 bits a key for ~1% false positives. Thread-safe: bits are set atomically and never
 * cleared.
 */
public final class ScoreFilter {
    private static final int PROBES = 7;

    private final AtomicLongArray bits;
    private final long mask;
    private final long capacity;

    /** @param capacity keys the filter is sized for; it degrades gracefully past that */
    public ScoreFilter(long capacity) {
        long nbits = Long.highestOneBit(Math.max(1L << 16, capacity * 10) - 1) << 1;
        this.bits = new AtomicLongArray((int) Math.min(nbits >>> 6, Integer.MAX_VALUE - 8));
        this.mask = ((long) bits.length() << 6) - 1;
        this.capacity = capacity;
    }

    public long capacity() {
        return capacity;
    }

    public void add(Score s) {
        long h1 = s.prefix64();
        long h2 = s.suffix64() | 1;
        for (int i = 0; i < PROBES; i++) {
            long bit = (h1 + i * h2) & mask;
            int word = (int) (bit >>> 6);
            long m = 1L << bit;
            long cur;
            while (((cur = bits.get(word)) & m) == 0 && !bits.compareAndSet(word, cur, cur | m)) {
                // retry until set
            }
        }
    }

    public boolean mightContain(Score s) {
        long h1 = s.prefix64();
        long h2 = s.suffix64() | 1;
        for (int i = 0; i < PROBES; i++) {
            long bit = (h1 + i * h2) & mask;
            if ((bits.get((int) (bit >>> 6)) & 1L << bit) == 0)
                return false;
        }
        return true;
    }

    /** Heap bytes the bit array takes. */
    public long sizeInBytes() {
        return (long) bits.length() * 8;
    }
}
