package io.vdisk.venti;

/**
 * Arithmetic of Venti hash trees: a stream of {@code size} bytes in data blocks of
 * {@code dsize}, under pointer blocks of {@code psize / 20} scores, {@code depth} levels deep.
 * Block {@code i} is reached from the top by the base-fanout digits of {@code i}, most
 * significant first. Thread-safe (stateless).
 */
public final class TreeShape {
    private TreeShape() {
    }

    public static int fanout(int psize) {
        return psize / Score.SIZE;
    }

    /** The smallest depth whose tree can hold {@code size} bytes. */
    public static int depthFor(int psize, int dsize, long size) {
        int depth = 0;
        while (VtEntry.capacity(psize, dsize, depth) < size) {
            depth++;
            if (depth > BlockType.MAX_DEPTH) {
                throw new IllegalArgumentException(size + " bytes need more than "
                    + BlockType.MAX_DEPTH + " levels with psize " + psize + ", dsize " + dsize);
            }
        }
        return depth;
    }

    /** Data blocks under one pointer at {@code level} (level 0 = a data block itself). */
    public static long span(int psize, int level) {
        long s = 1;
        long f = fanout(psize);
        for (int i = 0; i < level; i++)
            s = s > Long.MAX_VALUE / f ? Long.MAX_VALUE : s * f;
        return s;
    }

    /** Number of data blocks a stream of {@code size} bytes spans. */
    public static long blocks(int dsize, long size) {
        return (size + dsize - 1) / dsize;
    }

    static void checkBlockSizes(int psize, int dsize) {
        if (psize < 2 * Score.SIZE || psize > VtEntry.MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("psize " + psize + " out of range");
        }
        if (dsize < 1 || dsize > VtEntry.MAX_BLOCK_SIZE) {
            throw new IllegalArgumentException("dsize " + dsize + " out of range");
        }
    }
}
