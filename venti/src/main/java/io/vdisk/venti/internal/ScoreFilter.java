package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.zip.CRC32C;

/**
 * A Bloom filter over scores: "definitely absent" answers let a put of a new block skip the
 * index lookup, so a new block touches the index once (its insert). Scores are uniformly
 * random, so the k probes come straight from their bits with no extra hashing.
 *
 * <p>It grows as a chain of filters, each twice the size of the last, so the false-positive rate
 * stays near 1% (about 10 bits a key) however many blocks arrive after the store was opened;
 * a lookup asks each filter in the chain. Thread-safe: bits are set atomically and never
 * cleared; growth is serialized.
 *
 * <p>A clean close saves the chain next to the index, stamped with the index checkpoint it
 * covers, each filter folded down to the size its keys need (see {@link Bloom#foldedWords}), so that opening a store need not walk every index entry (about 60 s at 10 million
 * blocks). A file whose stamp differs from the index's, or whose checksum fails, is ignored and
 * the filter is built from the index again. The filter only ever holds a superset of the index,
 * which is all a Bloom filter needs.
 *
 * <pre>
 * filter.bin
 * | size | field                                         |
 * |------|-----------------------------------------------|
 * | 4    | magic 0x56444246 ("VDBF")                     |
 * | 4    | version, 1                                    |
 * | 8    | index checkpoint covered                      |
 * | 4    | n, filters in the chain                       |
 * |      | n times: 8 capacity, 8 count, 4 words, words × 8 bits |
 * | 4    | CRC32C of all the bytes before                |
 * </pre>
 */
public final class ScoreFilter {
    private volatile Bloom[] chain;

    /** @param capacity keys the first filter is sized for */
    public ScoreFilter(long capacity) {
        this(new Bloom[]{new Bloom(capacity)});
    }

    private ScoreFilter(Bloom[] chain) {
        this.chain = chain;
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

    public static final String FILE = "filter.bin";
    private static final int MAGIC = 0x56444246;
    private static final int VERSION = 1;

    /** Writes the chain atomically (temp file, rename); a crash leaves the old file or none. */
    public void save(Path file, long checkpoint) throws IOException {
        Bloom[] c = chain;
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            CRC32C crc = new CRC32C();
            buf.putInt(MAGIC).putInt(VERSION).putLong(checkpoint).putInt(c.length);
            for (Bloom b : c) {
                long count = b.count.get();
                int n = Bloom.foldedWords(b.bits.length(), count);
                long[] words = b.folded(n);
                buf = room(ch, buf, crc, 20);
                buf.putLong(n == b.bits.length() ? b.capacity : Bloom.capacityOf(n)).putLong(count)
                    .putInt(n);
                for (long w : words) {
                    buf = room(ch, buf, crc, 8);
                    buf.putLong(w);
                }
            }
            buf = room(ch, buf, crc, buf.capacity());
            buf.putInt((int) crc.getValue()).flip();
            while (buf.hasRemaining())
                ch.write(buf);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Writes out and checksums what {@code buf} holds when fewer than {@code n} bytes fit. */
    private static ByteBuffer room(FileChannel ch, ByteBuffer buf, CRC32C crc, int n)
        throws IOException {
        if (buf.remaining() >= n) return buf;
        buf.flip();
        crc.update(buf.duplicate());
        while (buf.hasRemaining())
            ch.write(buf);
        return buf.clear();
    }

    /**
     * @return the saved chain if the file exists, is whole, and covers exactly
     *     {@code checkpoint}; null otherwise
     */
    public static ScoreFilter load(Path file, long checkpoint) throws IOException {
        if (checkpoint == 0 || !Files.exists(file)) return null;
        byte[] all = Files.readAllBytes(file);
        if (all.length < 28) return null;
        CRC32C crc = new CRC32C();
        crc.update(all, 0, all.length - 4);
        ByteBuffer bb = ByteBuffer.wrap(all);
        if (bb.getInt(all.length - 4) != (int) crc.getValue() || bb.getInt() != MAGIC
            || bb.getInt() != VERSION || bb.getLong() != checkpoint) {
            return null;
        }
        int n = bb.getInt();
        if (n < 1 || n > 64) return null;
        Bloom[] c = new Bloom[n];
        try {
            for (int i = 0; i < n; i++) {
                long capacity = bb.getLong();
                long count = bb.getLong();
                int words = bb.getInt();
                Bloom b = new Bloom(capacity);
                if (b.bits.length() != words) return null;
                for (int w = 0; w < words; w++)
                    b.bits.set(w, bb.getLong());
                b.count.set(count);
                c[i] = b;
            }
        } catch (java.nio.BufferUnderflowException e) {
            return null;
        }
        return new ScoreFilter(c);
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
        private static final int BITS_PER_KEY = 10;
        private static final int MIN_WORDS = 1 << 10;
        final AtomicLongArray bits;
        final long mask;
        final long capacity;
        final java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();

        Bloom(long capacity) {
            long nbits = Long.highestOneBit(Math.max((long) MIN_WORDS << 6,
                capacity * BITS_PER_KEY) - 1) << 1;
            this.bits = new AtomicLongArray((int) Math.min(nbits >>> 6, Integer.MAX_VALUE - 8));
            this.mask = ((long) bits.length() << 6) - 1;
            this.capacity = capacity;
        }

        /** The capacity a filter of {@code words} words is made with (the constructor's inverse). */
        static long capacityOf(int words) {
            return ((long) words << 6) / BITS_PER_KEY;
        }

        /**
         * The fewest words, halving from {@code words}, that still give {@code count} keys ten
         * bits each. A bit is set at {@code hash & mask}, so a filter of half the size is the OR
         * of its two halves and answers exactly as one built at that size: a new store's first
         * filter is made for a million keys (2 MiB), and a 1 GiB image brings 163 K.
         */
        static int foldedWords(int words, long count) {
            while (words / 2 >= MIN_WORDS && capacityOf(words / 2) >= count)
                words /= 2;
            return words;
        }

        /** The bits folded into {@code words} words, a power of two no larger than now. */
        long[] folded(int words) {
            long[] out = new long[words];
            for (int i = 0; i < bits.length(); i++)
                out[i & words - 1] |= bits.get(i);
            return out;
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
