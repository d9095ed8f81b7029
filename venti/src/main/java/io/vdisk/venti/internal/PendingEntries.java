package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.BiConsumer;

/**
 * Index entries not yet in MapDB: score → address, in an open-addressing table (linear probing)
 * of parallel arrays: scores, addresses and the scores' hash codes. A
 * {@code ConcurrentHashMap<Score, Long>} here cost an import of a 1 GiB ext4
 * image a node and a boxed address per block, and resizes of up to 2^18 bins that ran
 * interpreted (the commands run without on-stack replacement): presizing that map alone took
 * 67 ms off the import. This table's own copies go in steps of a method called many times, so
 * they are compiled early; presizing it saved nothing more.
 *
 * <p>Puts are serialized (the store holds its append lock; this locks too); gets need no lock. A
 * put writes the address, then publishes the score with release semantics, and a get reads the
 * score with acquire semantics before the address, so a get that finds a score finds its
 * address. A table half full is copied into one twice the size, which is then published whole.
 * A score's home slot is its hash code, one of its words: uniform, as SHA-1 output is.
 */
public final class PendingEntries {
    private static final VarHandle SCORES = MethodHandles.arrayElementVarHandle(Score[].class);
    private static final VarHandle ADDRESSES = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int MIN_CAPACITY = 64;

    private static final class Table {
        final Score[] scores;
        final long[] addresses;
        /**
         * Each score's hash code: probes and copies compare these and touch a score only when
         * they match. Scores lie all over the heap, a cache miss apiece; reading them on every
         * probe put {@code insert} at 66 ms of an import's CPU.
         */
        final int[] hashes;
        final int mask;

        Table(int capacity) {
            scores = new Score[capacity];
            addresses = new long[capacity];
            hashes = new int[capacity];
            mask = capacity - 1;
        }
    }

    private volatile Table table;
    /** Guarded by this. */
    private int size;

    public PendingEntries() {
        table = new Table(MIN_CAPACITY);
    }

    /** @return the address put for {@code s}, or -1 */
    public long get(Score s) {
        Table t = table;
        int h = s.hashCode();
        for (int i = h & t.mask;; i = i + 1 & t.mask) {
            Score k = (Score) SCORES.getAcquire(t.scores, i);
            if (k == null) return -1;
            if (t.hashes[i] == h && k.equals(s))
                return (long) ADDRESSES.getAcquire(t.addresses, i);
        }
    }

    /** Puts {@code s} at {@code address}, replacing an address put for it before. */
    public synchronized void put(Score s, long address) {
        Table t = table;
        if (2 * (size + 1) > t.mask + 1) t = grow(t);
        if (insert(t, s, s.hashCode(), address, true)) size++;
    }

    public synchronized void putAll(PendingEntries other) {
        other.forEach(this::put);
    }

    public synchronized int size() {
        return size;
    }

    public boolean isEmpty() {
        return size() == 0;
    }

    /** Every entry, in no order. Not to be run alongside puts. */
    public void forEach(BiConsumer<Score, Long> action) {
        Table t = table;
        for (int i = 0; i <= t.mask; i++) {
            Score k = (Score) SCORES.getAcquire(t.scores, i);
            if (k != null) action.accept(k, (long) ADDRESSES.getAcquire(t.addresses, i));
        }
    }

    /**
     * Copies every entry into {@code scores} and {@code addresses} from index 0, in no order, in
     * steps small enough to be compiled early (a long loop in a method called once stays
     * interpreted). Not to be run alongside puts.
     *
     * @return the number of entries copied
     */
    public int copyTo(Score[] scores, long[] addresses) {
        Table t = table;
        int n = 0;
        for (int from = 0; from <= t.mask; from += COPY_STEP)
            n = copyRange(t, from, Math.min(t.mask + 1, from + COPY_STEP), scores, addresses, n);
        return n;
    }

    private static final int COPY_STEP = 512;

    private static int copyRange(Table t, int from, int to, Score[] scores, long[] addresses,
        int n) {
        for (int i = from; i < to; i++) {
            Score k = t.scores[i];
            if (k != null) {
                scores[n] = k;
                addresses[n++] = t.addresses[i];
            }
        }
        return n;
    }

    private Table grow(Table old) {
        Table t = new Table((old.mask + 1) * 2);
        for (int from = 0; from <= old.mask; from += COPY_STEP)
            moveRange(old, from, Math.min(old.mask + 1, from + COPY_STEP), t);
        table = t; // publishes every entry copied
        return t;
    }

    private static void moveRange(Table old, int from, int to, Table t) {
        for (int i = from; i < to; i++) {
            if (old.scores[i] != null)
                insert(t, old.scores[i], old.hashes[i], old.addresses[i], false);
        }
    }

    /** @return whether {@code s} was new to the table */
    private static boolean insert(Table t, Score s, int hash, long address, boolean publish) {
        for (int i = hash & t.mask;; i = i + 1 & t.mask) {
            Score k = t.scores[i];
            if (k == null) {
                t.hashes[i] = hash;
                if (publish) {
                    ADDRESSES.setRelease(t.addresses, i, address);
                    SCORES.setRelease(t.scores, i, s);
                } else {
                    t.addresses[i] = address;
                    t.scores[i] = s;
                }
                return true;
            }
            if (t.hashes[i] == hash && k.equals(s)) {
                ADDRESSES.setRelease(t.addresses, i, address);
                return false;
            }
        }
    }
}
