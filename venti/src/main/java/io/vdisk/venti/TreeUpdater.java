package io.vdisk.venti;

import java.io.IOException;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Copy-on-write updates of a hash tree: given changed data blocks (already stored, by score)
 * and a new size, writes new pointer blocks on the changed paths only and returns the new
 * entry. Unchanged subtrees keep their scores, so the old tree stays whole and shares them.
 *
 * <p>Shrinking zeroes every block past the new end and the tail of a new partial last block, so
 * growing again later reads zeros. Thread-safe (stateless; the store is).
 */
public final class TreeUpdater {
    private TreeUpdater() {
    }

    /**
     * @param changed data block index → score of its new content ({@link Score#ZERO} for zeros);
     *        indexes at or past the new end are ignored
     */
    public static VtEntry update(BlockStore store, VtEntry old, long newSize,
        NavigableMap<Long, Score> changed) throws IOException {
        if (newSize < 0 || newSize > VtEntry.MAX_SIZE) {
            throw new IllegalArgumentException("size " + newSize);
        }
        int psize = old.psize(), dsize = old.dsize();
        if (newSize == 0)
            return old.withTop(0, 0, Score.ZERO);
        long limit = TreeShape.blocks(dsize, newSize);
        TreeMap<Long, Score> changes = new TreeMap<>(changed.headMap(limit, false));
        if (newSize < old.size() && newSize % dsize != 0 && !changes.containsKey(limit - 1)) {
            changes.put(limit - 1, zeroTail(store, old, limit - 1, (int) (newSize % dsize)));
        }
        int newDepth = TreeShape.depthFor(psize, dsize, newSize);
        int depth = old.depth();
        Score top = old.score();
        for (; depth < newDepth; depth++) {
            if (!top.isZero()) {
                byte[] p = new byte[Score.SIZE];
                top.copyTo(p, 0);
                top = store.put(BlockType.of(old.isDir(), depth + 1), p);
            }
        }
        for (; depth > newDepth; depth--) {
            if (top.isZero())
                continue;
            byte[] p = store.get(top, BlockType.of(old.isDir(), depth));
            top = p.length < Score.SIZE ? Score.ZERO : Score.fromBytes(p, 0);
        }
        Updater u = new Updater(store, old.isDir(), psize, limit, changes);
        top = u.rewrite(newDepth, top, 0, newSize < old.size());
        return old.withTop(newDepth, newSize, top);
    }

    private static Score zeroTail(BlockStore store, VtEntry old, long index, int keep)
        throws IOException {
        byte[] b = new byte[old.dsize()];
        new TreeReader(store, old).readBlock(index, b, 0);
        java.util.Arrays.fill(b, keep, b.length, (byte) 0);
        return store.put(old.type().leaf(), b);
    }

    private static final class Updater {
        private final BlockStore store;
        private final boolean dir;
        private final int psize;
        private final int fanout;
        private final long limit;
        private final NavigableMap<Long, Score> changes;

        Updater(BlockStore store, boolean dir, int psize, long limit,
            NavigableMap<Long, Score> changes) {
            this.changes = changes;
            this.store = store;
            this.dir = dir;
            this.psize = psize;
            this.fanout = TreeShape.fanout(psize);
            this.limit = limit;
        }

        /**
         * New score of the subtree at {@code level} whose first data block is {@code first}.
         *
         * @param cut whether blocks at or past {@code limit} may be non-zero here and must go
         */
        Score rewrite(int level, Score score, long first, boolean cut) throws IOException {
            long span = TreeShape.span(psize, level);
            if (first >= limit) return Score.ZERO;
            boolean cuts = cut && first + span > limit && !score.isZero();
            if (level == 0) {
                Score s = changes.get(first);
                return s != null ? s : score;
            }
            if (!changed(first, first + span) && !cuts) return score;
            byte[] p = new byte[fanout * Score.SIZE];
            int len = 0;
            if (!score.isZero()) {
                byte[] old = store.get(score, BlockType.of(dir, level));
                System.arraycopy(old, 0, p, 0, Math.min(old.length, p.length));
                len = old.length;
            }
            ZeroTruncation.extend(BlockType.of(dir, level), p, 0, len, p.length);
            long childSpan = span / fanout;
            int lastChild = cuts ? fanout - 1 : -1;
            int c = 0;
            while (c < fanout) {
                long childFirst = first + c * childSpan;
                if (changed(childFirst, childFirst + childSpan)
                    || c <= lastChild && childFirst + childSpan > limit) {
                    Score child = Score.fromBytes(p, c * Score.SIZE);
                    child = rewrite(level - 1, child, childFirst, cuts);
                    child.copyTo(p, c * Score.SIZE);
                }
                if (c > lastChild) {
                    // Jump to the next child holding a change.
                    Long next = changes.ceilingKey(childFirst + childSpan);
                    if (next == null || next >= first + span) break;
                    c = (int) ((next - first) / childSpan);
                } else {
                    c++;
                }
            }
            return store.put(BlockType.of(dir, level), p);
        }

        private boolean changed(long from, long to) {
            Long k = changes.ceilingKey(from);
            return k != null && k < to;
        }
    }
}
