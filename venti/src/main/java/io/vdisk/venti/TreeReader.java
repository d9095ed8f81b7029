package io.vdisk.venti;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Random-access reads of the stream an entry describes.
 *
 * <p>Thread-safe: the entry is immutable and the only state is a one-slot cache of the last
 * pointer block per level (content-addressed, so never stale), replaced atomically. That cache
 * makes sequential reads fetch each pointer block once.
 */
public final class TreeReader {
    private final BlockStore store;
    private final VtEntry entry;
    private final int fanout;
    private final AtomicReferenceArray<Cached> lastPointer;

    private record Cached(Score score, byte[] block) {
    }

    public TreeReader(BlockStore store, VtEntry entry) {
        this.store = store;
        this.entry = entry;
        this.fanout = TreeShape.fanout(entry.psize());
        this.lastPointer = new AtomicReferenceArray<>(BlockType.MAX_DEPTH + 1);
    }

    public VtEntry entry() {
        return entry;
    }

    public long size() {
        return entry.size();
    }

    public int blockSize() {
        return entry.dsize();
    }

    /** Data blocks the stream spans. */
    public long blockCount() {
        return TreeShape.blocks(entry.dsize(), entry.size());
    }

    /**
     * Reads up to {@code len} bytes at {@code offset}; fewer only at the end of the stream.
     *
     * @return bytes read, 0 at or past the end
     */
    public int read(long offset, byte[] dst, int off, int len) throws IOException {
        return read(offset, ByteBuffer.wrap(dst, off, len));
    }

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code offset} into {@code dst}, whose position
     * advances by the count; fewer only at the end of the stream.
     *
     * @return bytes read, 0 at or past the end
     */
    public int read(long offset, ByteBuffer dst) throws IOException {
        return read(offset, dst.remaining(), Gather.into(dst));
    }

    /**
     * Reads up to {@code len} bytes at {@code offset} into {@code out}; fewer only at the end of
     * the stream. Whole blocks are shared from the store's cache where it has one.
     *
     * @return bytes read, 0 at or past the end
     */
    public int read(long offset, int len, Gather out) throws IOException {
        if (offset < 0)
            throw new IllegalArgumentException("offset " + offset);
        if (offset >= entry.size())
            return 0;
        int n = (int) Math.min(len, entry.size() - offset);
        int dsize = entry.dsize();
        BlockType leaf = entry.type().leaf();
        int done = 0;
        byte[] block = null;
        // the level-1 pointer block of the blocks being read, fetched once per fanout blocks
        long parentIndex = -1;
        byte[] parent = null;
        Score[] one = new Score[1];
        while (done < n) {
            long pos = offset + done;
            long index = pos / dsize;
            int in = (int) (pos % dsize);
            int chunk = Math.min(n - done, dsize - in);
            Score s;
            if (entry.depth() == 0) {
                s = blockScore(index);
            } else {
                if (index / fanout != parentIndex) {
                    parentIndex = index / fanout;
                    parent = parentOf(index);
                }
                if (in == 0 && n - done >= dsize) {
                    // whole blocks under this parent go to the store as one run
                    int child = (int) (index % fanout);
                    int run = (int) Math.min((n - done) / dsize, fanout - child);
                    Score[] scores = new Score[run];
                    for (int i = 0; i < run; i++)
                        scores[i] = childScore(parent, child + i);
                    store.readRun(scores, run, leaf, dsize, out);
                    done += run * dsize;
                    continue;
                }
                s = childScore(parent, (int) (index % fanout));
            }
            if (s.isZero()) {
                out.zeros(chunk);
            } else if (in == 0 && chunk == dsize) {
                one[0] = s;
                store.readRun(one, 1, leaf, dsize, out);
            } else {
                if (block == null)
                    block = new byte[dsize];
                store.read(s, leaf, block, 0, dsize);
                out.fill(chunk).put(block, in, chunk);
            }
            done += chunk;
        }
        return n;
    }

    /** Score {@code child} of a level-1 pointer block; a null block is a zero subtree. */
    private static Score childScore(byte[] parent, int child) {
        int at = child * Score.SIZE;
        return parent == null || at + Score.SIZE > parent.length
            ? Score.ZERO
            : Score.fromBytes(parent, at);
    }

    /** Reads data block {@code index} whole ({@code dsize} bytes, zeros past the end). */
    public void readBlock(long index, byte[] dst, int off) throws IOException {
        Score s = blockScore(index);
        store.read(s, entry.type().leaf(), dst, off, entry.dsize());
    }

    /**
     * The level-1 pointer block above data block {@code index}, or null when a zero subtree
     * covers it. Needs depth 1 or more.
     */
    private byte[] parentOf(long index) throws IOException {
        Score s = entry.score();
        for (int level = entry.depth(); level > 1; level--) {
            if (s.isZero())
                return null;
            byte[] p = pointerBlock(s, level);
            int at = (int) (index / TreeShape.span(entry.psize(), level - 1) % fanout)
                * Score.SIZE;
            if (at + Score.SIZE > p.length)
                return null;
            s = Score.fromBytes(p, at);
        }
        return s.isZero() ? null : pointerBlock(s, 1);
    }

    /** The score of data block {@code index}; {@link Score#ZERO} for holes and past the end. */
    public Score blockScore(long index) throws IOException {
        if (index < 0)
            throw new IllegalArgumentException("block " + index);
        if (index >= blockCount())
            return Score.ZERO;
        Score s = entry.score();
        for (int level = entry.depth(); level > 0; level--) {
            if (s.isZero())
                return s;
            byte[] p = pointerBlock(s, level);
            int child = (int) (index / TreeShape.span(entry.psize(), level - 1) % fanout);
            int at = child * Score.SIZE;
            if (at + Score.SIZE > p.length)
                return Score.ZERO;
            s = Score.fromBytes(p, at);
        }
        return s;
    }

    /**
     * The first block in {@code [index, limit)} whose score is zero (a hole), or {@code limit}
     * (at most {@link #blockCount()}). Reads each level-1 pointer block once, not once per block.
     */
    public long nextZeroBlock(long index, long limit) throws IOException {
        long stop = Math.min(limit, blockCount());
        if (entry.depth() == 0) {
            for (; index < stop; index++)
                if (blockScore(index).isZero()) return index;
            return stop;
        }
        while (index < stop) {
            byte[] parent = parentOf(index);
            if (parent == null)
                return index;
            long end = Math.min(stop, (index / fanout + 1) * fanout);
            for (; index < end; index++) {
                int at = (int) (index % fanout) * Score.SIZE;
                if (at + Score.SIZE > parent.length || isZeroScore(parent, at))
                    return index;
            }
        }
        return stop;
    }

    /** Venti's zero score (the SHA-1 of nothing), as it appears in a pointer block. */
    private static final byte[] ZERO_SCORE = Score.ZERO.toBytes();

    private static boolean isZeroScore(byte[] p, int at) {
        return java.util.Arrays.equals(p, at, at + Score.SIZE, ZERO_SCORE, 0, Score.SIZE);
    }

    /**
     * The first block at or after {@code index} whose score is not zero, stepping over zero
     * subtrees whole; {@link #blockCount()} if there is none.
     */
    public long nextNonZeroBlock(long index) throws IOException {
        long count = blockCount();
        while (index < count) {
            long skip = zeroRun(index);
            if (skip == 0)
                return index;
            index += skip;
        }
        return count;
    }

    /** Length in blocks of the all-zero subtree starting at {@code index}, or 0 if not zero. */
    private long zeroRun(long index) throws IOException {
        Score s = entry.score();
        for (int level = entry.depth(); level >= 0; level--) {
            long span = TreeShape.span(entry.psize(), level);
            if (s.isZero())
                return span - index % span;
            if (level == 0)
                return 0;
            byte[] p = pointerBlock(s, level);
            long childSpan = TreeShape.span(entry.psize(), level - 1);
            int at = (int) (index / childSpan % fanout) * Score.SIZE;
            s = at + Score.SIZE > p.length ? Score.ZERO : Score.fromBytes(p, at);
        }
        return 0;
    }

    /** The truncated bytes of a pointer block (trailing zero scores are absent). */
    private byte[] pointerBlock(Score s, int level) throws IOException {
        Cached c = lastPointer.get(level);
        if (c != null && c.score.equals(s))
            return c.block;
        BlockType type = BlockType.of(entry.isDir(), level);
        byte[] b = store.getShared(s, type);
        if (b.length > entry.psize() || b.length % Score.SIZE != 0) {
            throw new CorruptBlockException("pointer block " + s + " (" + type + ") is "
                + b.length + " bytes; psize is " + entry.psize());
        }
        lastPointer.set(level, new Cached(s, b));
        return b;
    }
}
