package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A Bloom filter over scores: "definitely absent" answers let a put of a new block skip the
 * index lookup, so a new block touches the index once (its insert). Scores are uniformly
 * random, so the k probes come straight from their bits with no extra hashing.
 *
 * <p>It grows as a chain of filters, each twice the size of the last, so the false-positive rate
 * stays near 1% (about 10 bits a key) however many blocks arrive after the store was opened;
 * a lookup asks each filter in the chain. Thread-safe: bits are set atomically and never
 * cleared; growth is serialized.
 */
public final class ScoreFilter {
    private volatile Bloom[] chain;

    /** @param capacity keys the first filter is sized for */
    public ScoreFilter(long capacity) {
        chain = new Bloom[]{new Bloom(capacity)};
    }

    public void add(Score s) {
        Bloom[] c = chain;
        Bloom last = c[c.length - 1];
        if (last.count.incrementAndGet() > last.capacity) {
            synchronized (this) {
                c = chain;
                last = c[c.length - 1];
                if (last.count.get() > last.capacity) {
                    Bloom[] grown = java.util.Arrays.copyOf(c, c.length + 1);
                    grown[c.length] = new Bloom(last.capacity * 2);
                    chain = grown;
                    last = grown[c.length];
                }
            }
        }
        last.add(s);
    }

    public boolean mightContain(Score s) {
        for (Bloom b : chain) {
            if (b.mightContain(s)) return true;
        }
        return false;
    }

    /** Heap bytes the bit arrays take. */
    public long sizeInBytes() {
        long n = 0;
        for (Bloom b : chain)
            n += (long) b.bits.length() * 8;
        return n;
    }

    private static final class Bloom {
        private static final int PROBES = 7;
        final AtomicLongArray bits;
        final long mask;
        final long capacity;
        final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();

        Bloom(long capacity) {
            long nbits = Long.highestOneBit(Math.max(1L << 16, capacity * 10) - 1) << 1;
            this.bits = new AtomicLongArray((int) Math.min(nbits >>> 6, Integer.MAX_VALUE - 8));
            this.mask = ((long) bits.length() << 6) - 1;
            this.capacity = capacity;
        }

        void add(Score s) {
            long h1 = s.prefix64();
            long h2 = s.suffix64() | 1;
            for (int i = 0; i < PROBES; i++) {
                long bit = (h1 + i * h2) & mask;
                int word = (int) (bit >>> 6);
                long m = 1L << bit;
                long cur;
                while (((cur = bits.get(word)) & m) == 0
                    && !bits.compareAndSet(word, cur, cur | m)) {
                    // retry until set
                }
            }
        }

        boolean mightContain(Score s) {
            long h1 = s.prefix64();
            long h2 = s.suffix64() | 1;
            for (int i = 0; i < PROBES; i++) {
                long bit = (h1 + i * h2) & mask;
                if ((bits.get((int) (bit >>> 6)) & 1L << bit) == 0) return false;
            }
            return true;
        }
    }
}
