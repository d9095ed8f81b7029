package io.vdisk.venti;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A Venti root block: a named handle on a directory block, linked to the previous root.
 * Byte-compatible with libventi's {@code vtrootpack}. Immutable, thread-safe.
 *
 * <pre>
 * | offset | size | field                                                   |
 * |--------|------|---------------------------------------------------------|
 * | 0      | 2    | version, always 2                                       |
 * | 2      | 128  | name, NUL-terminated UTF-8                              |
 * | 130    | 128  | type, NUL-terminated UTF-8 (e.g. "vac", "vdisk")        |
 * | 258    | 20   | score of a directory block                              |
 * | 278    | 2    | blocksize: the largest block in the tree                |
 * | 280    | 20   | prev: score of the previous root, or the zero score     |
 * </pre>
 */
public final class VtRoot {
    public static final int SIZE = 300;
    public static final int VERSION = 2;
    public static final int NAME_SIZE = 128;
    public static final int TYPE_SIZE = 128;

    public static final int VERSION_OFFSET = 0;
    public static final int NAME_OFFSET = VERSION_OFFSET + 2;
    public static final int TYPE_OFFSET = NAME_OFFSET + NAME_SIZE;
    public static final int SCORE_OFFSET = TYPE_OFFSET + TYPE_SIZE;
    public static final int BLOCKSIZE_OFFSET = SCORE_OFFSET + Score.SIZE;
    public static final int PREV_OFFSET = BLOCKSIZE_OFFSET + 2;

    private final String name;
    private final String type;
    private final Score score;
    private final int blockSize;
    private final Score prev;

    public VtRoot(String name, String type, Score score, int blockSize, Score prev) {
        this.name = checkText("name", name);
        this.type = checkText("type", type);
        this.score = Objects.requireNonNull(score);
        this.prev = Objects.requireNonNull(prev);
        if (blockSize < VtEntry.MIN_BLOCK_SIZE || blockSize > 0xffff) {
            throw new IllegalArgumentException(
                "root blocksize " + blockSize + " not in 256..65535");
        }
        this.blockSize = blockSize;
    }

    public String name() {
        return name;
    }

    public String type() {
        return type;
    }

    public Score score() {
        return score;
    }

    public int blockSize() {
        return blockSize;
    }

    public Score prev() {
        return prev;
    }

    public VtRoot withPrev(Score newPrev) {
        return new VtRoot(name, type, score, blockSize, newPrev);
    }

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.putShort((short) VERSION);
        b.put(padded(name, NAME_SIZE));
        b.put(padded(type, TYPE_SIZE));
        score.writeTo(b);
        b.putShort((short) blockSize);
        prev.writeTo(b);
        return b.array();
    }

    /**
     * Parses a root block (exactly {@link #SIZE} bytes, as stored: roots are never truncated).
     *
     * @throws VentiFormatException naming the field and value that break a rule
     */
    public static VtRoot parse(byte[] b) throws VentiFormatException {
        if (b.length != SIZE) {
            throw new VentiFormatException("VtRoot", "length", b.length,
                "a root is " + SIZE + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        int version = buf.getShort(VERSION_OFFSET) & 0xffff;
        if (version != VERSION) {
            throw new VentiFormatException("VtRoot", "version", version,
                "only version " + VERSION + " exists");
        }
        String name = text(b, NAME_OFFSET, NAME_SIZE, "name");
        String type = text(b, TYPE_OFFSET, TYPE_SIZE, "type");
        Score score = Score.read(buf, SCORE_OFFSET);
        int blockSize = buf.getShort(BLOCKSIZE_OFFSET) & 0xffff;
        if (blockSize < VtEntry.MIN_BLOCK_SIZE) {
            throw new VentiFormatException("VtRoot", "blocksize", blockSize,
                "block size must be at least " + VtEntry.MIN_BLOCK_SIZE);
        }
        Score prev = Score.read(buf, PREV_OFFSET);
        return new VtRoot(name, type, score, blockSize, prev);
    }

    private static String text(byte[] b, int off, int size, String field)
        throws VentiFormatException {
        int end = off;
        while (end < off + size && b[end] != 0)
            end++;
        if (end == off + size) {
            throw new VentiFormatException("VtRoot", field, "(" + size + " bytes, no NUL)",
                "must be NUL-terminated");
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static byte[] padded(String s, int size) {
        byte[] out = new byte[size];
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(in, 0, out, 0, in.length);
        return out;
    }

    private static String checkText(String field, String s) {
        Objects.requireNonNull(s, field);
        if (s.getBytes(StandardCharsets.UTF_8).length >= NAME_SIZE || s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("root " + field + " must be under " + NAME_SIZE
                + " UTF-8 bytes without NUL: '" + s + "'");
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VtRoot r && name.equals(r.name) && type.equals(r.type)
            && score.equals(r.score) && blockSize == r.blockSize && prev.equals(r.prev);
    }

    @Override
    public int hashCode() {
        return score.hashCode() ^ prev.hashCode();
    }

    @Override
    public String toString() {
        return "VtRoot{" + name + " type=" + type + " score=" + score + " bs=" + blockSize
            + " prev=" + prev + "}";
    }
}
