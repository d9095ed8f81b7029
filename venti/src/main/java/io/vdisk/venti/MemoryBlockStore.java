package io.vdisk.venti;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A block store on the heap, for unit tests and throw-away trees. {@link #sync()} does nothing:
 * nothing here survives the process. Thread-safe.
 */
public final class MemoryBlockStore implements BlockStore {
    private final ConcurrentHashMap<Score, byte[]> blocks = new ConcurrentHashMap<>();
    private final AtomicLong logical = new AtomicLong();
    private final AtomicLong unique = new AtomicLong();
    private final AtomicLong puts = new AtomicLong();

    @Override
    public Score put(BlockType type, byte[] buf, int off, int len) {
        puts.incrementAndGet();
        logical.addAndGet(len);
        int n = ZeroTruncation.truncatedLength(type, buf, off, len);
        if (n == 0)
            return Score.ZERO;
        Score score = Score.hash(buf, off, n);
        if (blocks.putIfAbsent(score, Arrays.copyOfRange(buf, off, off + n)) == null) {
            unique.addAndGet(n);
        }
        return score;
    }

    @Override
    public byte[] get(Score score, BlockType type) throws MissingBlockException,
        CorruptBlockException {
        if (score.isZero())
            return new byte[0];
        byte[] b = blocks.get(score);
        if (b == null)
            throw new MissingBlockException(score, type);
        if (!Score.hash(b, 0, b.length).equals(score)) {
            throw new CorruptBlockException(
                "block " + score + " in memory does not match its score");
        }
        return b.clone();
    }

    @Override
    public boolean has(Score score) {
        return score.isZero() || blocks.containsKey(score);
    }

    @Override
    public void sync() {
    }

    @Override
    public StoreStats stats() {
        return new StoreStats(logical.get(), unique.get(), unique.get(), blocks.size(), puts.get());
    }

    /** Test hook: flips one byte of a stored block so verification must catch it. */
    public void corrupt(Score score, int index) {
        blocks.computeIfPresent(score, (s, b) -> {
            byte[] c = b.clone();
            c[index] ^= 0x5a;
            return c;
        });
    }

    @Override
    public void close() {
    }
}
