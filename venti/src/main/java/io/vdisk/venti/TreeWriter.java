package io.vdisk.venti;

import java.io.IOException;

/**
 * Builds a hash tree from data blocks given in order, bottom-up, without reading anything back.
 *
 * <p>Blocks come either as bytes ({@link #append}) or as scores of blocks already stored
 * ({@link #appendScore}), so callers may hash and store blocks on other threads and feed the
 * scores in order. {@link Score#ZERO} marks a hole. Not thread-safe: one owner.
 */
public final class TreeWriter {
    private final BlockStore store;
    private final int psize;
    private final int dsize;
    private final boolean dir;
    private final int fanout;
    /** levels[L] collects the scores of level L-1 blocks for the next pointer block at L. */
    private final byte[][] levels = new byte[BlockType.MAX_DEPTH + 2][];
    private final int[] counts = new int[BlockType.MAX_DEPTH + 2];
    private long blocks;
    private boolean finished;

    public TreeWriter(BlockStore store, int psize, int dsize, boolean dir) {
        TreeShape.checkBlockSizes(psize, dsize);
        this.store = store;
        this.psize = psize;
        this.dsize = dsize;
        this.dir = dir;
        this.fanout = TreeShape.fanout(psize);
    }

    /** Stores the next data block; {@code len} may be short only for the last block. */
    public Score append(byte[] buf, int off, int len) throws IOException {
        if (len > dsize)
            throw new IllegalArgumentException(len + " bytes exceed dsize " + dsize);
        Score s = store.put(dir ? BlockType.DIR : BlockType.DATA, buf, off, len);
        appendScore(s);
        return s;
    }

    /** Appends the score of the next data block, already in the store (or zero). */
    public void appendScore(Score s) throws IOException {
        if (finished)
            throw new IllegalStateException("tree already finished");
        push(1, s);
        blocks++;
    }

    public long blocksAppended() {
        return blocks;
    }

    /**
     * Completes the tree for a stream of {@code size} bytes. Blocks not appended up to
     * {@code size} are holes.
     */
    public VtEntry finish(long size) throws IOException {
        if (finished)
            throw new IllegalStateException("tree already finished");
        finished = true;
        if (TreeShape.blocks(dsize, size) < blocks) {
            throw new IllegalArgumentException(blocks + " blocks appended but size " + size
                + " spans only " + TreeShape.blocks(dsize, size));
        }
        int depth = TreeShape.depthFor(psize, dsize, size);
        Score top;
        if (blocks == 0) {
            top = Score.ZERO;
        } else if (depth == 0) {
            top = Score.fromBytes(levels[1], 0);
        } else {
            for (int level = 1; level < depth; level++) {
                if (counts[level] > 0)
                    push(level + 1, flush(level));
            }
            top = flush(depth);
        }
        return new VtEntry(0, psize, dsize, BlockType.of(dir, depth), VtEntry.FLAG_ACTIVE, size,
            top);
    }

    /** Adds a score at {@code level}, first writing that level's block if it is full. */
    private void push(int level, Score s) throws IOException {
        if (level > BlockType.MAX_DEPTH) {
            throw new IllegalStateException("tree deeper than " + BlockType.MAX_DEPTH);
        }
        if (counts[level] == fanout)
            push(level + 1, flush(level));
        if (levels[level] == null)
            levels[level] = new byte[fanout * Score.SIZE];
        s.copyTo(levels[level], counts[level]++ * Score.SIZE);
    }

    private Score flush(int level) throws IOException {
        int n = counts[level] * Score.SIZE;
        counts[level] = 0;
        if (n == 0)
            return Score.ZERO;
        return store.put(BlockType.of(dir, level), levels[level], 0, n);
    }
}
