package io.vdisk.venti;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A Venti stream descriptor: the top score of a hash tree plus what is needed to walk it.
 * Byte-compatible with libventi's {@code vtentrypack}. Immutable, thread-safe.
 *
 * <pre>
 * | offset | size | field                                                          |
 * |--------|------|----------------------------------------------------------------|
 * | 0      | 4    | gen: generation number                                         |
 * | 4      | 2    | psize: pointer block size (or "big" float, see below)          |
 * | 6      | 2    | dsize: data block size (or "big" float)                        |
 * | 8      | 1    | flags: 0x01 active, 0x02 dir, 0x1c depth&lt;&lt;2, 0x20 local,        |
 * |        |      |        0x40 big, 0x80 no-archive                               |
 * | 9      | 5    | zero                                                           |
 * | 14     | 6    | size: stream length in bytes, big-endian 48 bits               |
 * | 20     | 20   | score of the top block (a pointer block when depth &gt; 0)        |
 * </pre>
 *
 * When psize or dsize does not fit 16 bits the "big" flag is set and both are written as
 * {@code (mantissa << 5) | shift}, meaning {@code mantissa << shift}; the value must be exact.
 */
public final class VtEntry {
    public static final int SIZE = 40;

    public static final int GEN_OFFSET = 0;
    public static final int PSIZE_OFFSET = GEN_OFFSET + 4;
    public static final int DSIZE_OFFSET = PSIZE_OFFSET + 2;
    public static final int FLAGS_OFFSET = DSIZE_OFFSET + 2;
    public static final int PAD_OFFSET = FLAGS_OFFSET + 1;
    public static final int SIZE_OFFSET = PAD_OFFSET + 5;
    public static final int SCORE_OFFSET = SIZE_OFFSET + 6;

    public static final int FLAG_ACTIVE = 0x01;
    static final int FLAG_DIR = 0x02;
    static final int DEPTH_SHIFT = 2;
    static final int DEPTH_MASK = 0x7 << DEPTH_SHIFT;
    public static final int FLAG_LOCAL = 0x20;
    static final int FLAG_BIG = 0x40;
    public static final int FLAG_NO_ARCHIVE = 0x80;

    /** Smallest block size libventi accepts in an entry. */
    public static final int MIN_BLOCK_SIZE = 256;
    /** Largest block size this implementation stores (the arena record length is 32 bits). */
    public static final int MAX_BLOCK_SIZE = 1 << 20;
    /** The size field is 48 bits. */
    public static final long MAX_SIZE = (1L << 48) - 1;

    private final int gen;
    private final int psize;
    private final int dsize;
    private final BlockType type;
    private final int flags;
    private final long size;
    private final Score score;

    /**
     * @param type DATA..DATA7 or DIR..DIR7: leaf kind and tree depth
     * @param flags only ACTIVE, LOCAL and NO_ARCHIVE; dir, depth and big are derived
     */
    public VtEntry(int gen, int psize, int dsize, BlockType type, int flags, long size,
        Score score) {
        if (type == BlockType.ROOT)
            throw new IllegalArgumentException("an entry cannot be a root");
        if ((flags & ~(FLAG_ACTIVE | FLAG_LOCAL | FLAG_NO_ARCHIVE)) != 0) {
            throw new IllegalArgumentException("flags " + Integer.toHexString(flags)
                + " include derived bits");
        }
        if (size < 0 || size > MAX_SIZE)
            throw new IllegalArgumentException("size " + size);
        this.gen = gen;
        this.psize = psize;
        this.dsize = dsize;
        this.type = type;
        this.flags = flags;
        this.size = size;
        this.score = Objects.requireNonNull(score);
    }

    /** An active data stream. */
    public static VtEntry data(int psize, int dsize, int depth, long size, Score score) {
        return new VtEntry(0, psize, dsize, BlockType.of(false, depth), FLAG_ACTIVE, size, score);
    }

    public int gen() {
        return gen;
    }

    public int psize() {
        return psize;
    }

    public int dsize() {
        return dsize;
    }

    public BlockType type() {
        return type;
    }

    public int depth() {
        return type.depth();
    }

    public boolean isDir() {
        return type.leaf() == BlockType.DIR;
    }

    public boolean isActive() {
        return (flags & FLAG_ACTIVE) != 0;
    }

    public int flags() {
        return flags;
    }

    public long size() {
        return size;
    }

    public Score score() {
        return score;
    }

    public VtEntry withTop(int depth, long size, Score score) {
        return new VtEntry(gen, psize, dsize, BlockType.of(isDir(), depth), flags, size, score);
    }

    /** Writes the 40 bytes at the buffer's position and advances it. */
    public void pack(ByteBuffer dst) {
        int wireFlags = flags | depth() << DEPTH_SHIFT | (isDir() ? FLAG_DIR : 0);
        int p = psize, d = dsize;
        if (p >= 1 << 16 || d >= 1 << 16) {
            wireFlags |= FLAG_BIG;
            p = toBig(p, "psize");
            d = toBig(d, "dsize");
        }
        dst.putInt(gen).putShort((short) p).putShort((short) d).put((byte) wireFlags);
        dst.put(new byte[5]);
        dst.putShort((short) (size >>> 32)).putInt((int) size);
        score.writeTo(dst);
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        pack(b);
        return b.array();
    }

    /**
     * Reads 40 bytes at the buffer's position and advances it. An inactive entry is returned as
     * is; an active one must have block sizes in range, a depth able to hold its size, and zero
     * padding.
     *
     * @throws VentiFormatException naming the field and value that break a rule
     */
    public static VtEntry unpack(ByteBuffer src) throws VentiFormatException {
        if (src.remaining() < SIZE) {
            throw new VentiFormatException("VtEntry", "length", src.remaining(),
                "an entry is " + SIZE + " bytes");
        }
        int gen = src.getInt();
        int p = src.getShort() & 0xffff;
        int d = src.getShort() & 0xffff;
        int wireFlags = src.get() & 0xff;
        for (int i = 0; i < 5; i++) {
            byte b = src.get();
            if (b != 0) {
                throw new VentiFormatException("VtEntry", "pad[" + i + "]", b & 0xff,
                    "padding must be zero");
            }
        }
        long size = (long) (src.getShort() & 0xffff) << 32 | src.getInt() & 0xffffffffL;
        Score score = Score.read(src);
        if ((wireFlags & FLAG_BIG) != 0) {
            p = fromBig(p);
            d = fromBig(d);
        }
        int depth = (wireFlags & DEPTH_MASK) >> DEPTH_SHIFT;
        BlockType type = BlockType.of((wireFlags & FLAG_DIR) != 0, depth);
        int flags = wireFlags & ~(FLAG_DIR | DEPTH_MASK | FLAG_BIG);
        if ((flags & FLAG_ACTIVE) != 0) {
            // Old vac files wrote 0/0 sizes for empty streams; libventi reads them as 4096.
            if (p == 0 && d == 0 && score.isZero()) {
                p = 4096;
                d = 4096;
            }
            checkBlockSize("psize", p);
            checkBlockSize("dsize", d);
            if (depth > 0 && p < 2 * Score.SIZE) {
                throw new VentiFormatException("VtEntry", "psize", p,
                    "a pointer block must hold at least two scores");
            }
            if (size > capacity(p, d, depth)) {
                throw new VentiFormatException("VtEntry", "size", size,
                    "more than depth " + depth + " can address with psize " + p + " and dsize "
                        + d);
            }
        }
        return new VtEntry(gen, p, d, type, flags, size, score);
    }

    /** Bytes a tree of this shape can address (saturating at {@link Long#MAX_VALUE}). */
    public static long capacity(int psize, int dsize, int depth) {
        long cap = dsize;
        long fanout = psize / Score.SIZE;
        for (int i = 0; i < depth; i++) {
            if (cap > Long.MAX_VALUE / fanout)
                return Long.MAX_VALUE;
            cap *= fanout;
        }
        return cap;
    }

    private static void checkBlockSize(String field, int n) throws VentiFormatException {
        if (n < MIN_BLOCK_SIZE || n > MAX_BLOCK_SIZE) {
            throw new VentiFormatException("VtEntry", field, n,
                "block size must be in " + MIN_BLOCK_SIZE + ".." + MAX_BLOCK_SIZE);
        }
    }

    static int toBig(int n, String field) {
        int shift = 0;
        int m = n;
        while (m >= 1 << (16 - 5)) {
            if ((m & 1) != 0) {
                throw new IllegalArgumentException(field + " " + n
                    + " has no exact big-entry encoding");
            }
            shift++;
            m >>>= 1;
        }
        return m << 5 | shift;
    }

    static int fromBig(int v) {
        return (v >>> 5) << (v & 31);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VtEntry e && gen == e.gen && psize == e.psize && dsize == e.dsize
            && type == e.type && flags == e.flags && size == e.size && score.equals(e.score);
    }

    @Override
    public int hashCode() {
        return score.hashCode() * 31 + Long.hashCode(size);
    }

    @Override
    public String toString() {
        return "VtEntry{" + type + " psize=" + psize + " dsize=" + dsize + " size=" + size
            + " flags=" + Integer.toHexString(flags) + " gen=" + gen + " score=" + score + "}";
    }
}
