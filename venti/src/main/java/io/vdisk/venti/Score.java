package io.vdisk.venti;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A Venti score: the SHA-1 of a block's zero-truncated bytes.
 *
 * <p>Immutable; the 20 bytes are kept in five ints so the value is compact and compares without
 * copying. Compared as an unsigned big-endian number. Thread-safe.
 */
public final class Score implements Comparable<Score> {
    /** Bytes in a score. */
    public static final int SIZE = 20;

    /** The score of the empty block, which is also the score of every all-zero block or subtree. */
    public static final Score ZERO = fromHex("da39a3ee5e6b4b0d3255bfef95601890afd80709");

    /** Per thread, a SHA-1 and the array its digests go to (digest() made a new one each time). */
    private static final ThreadLocal<Hasher> SHA1 = ThreadLocal.withInitial(Hasher::new);

    private static final class Hasher {
        final MessageDigest md;
        final byte[] out = new byte[SIZE];

        Hasher() {
            try {
                md = MessageDigest.getInstance("SHA-1");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no SHA-1", e);
            }
        }

        Score finish() {
            try {
                md.digest(out, 0, SIZE);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException(e); // the array has room for a SHA-1
            }
            return fromBytes(out, 0);
        }
    }

    private final int w0, w1, w2, w3, w4;

    private Score(int w0, int w1, int w2, int w3, int w4) {
        this.w0 = w0;
        this.w1 = w1;
        this.w2 = w2;
        this.w3 = w3;
        this.w4 = w4;
    }

    /** SHA-1 of {@code len} bytes of {@code buf} from {@code off}. */
    public static Score hash(byte[] buf, int off, int len) {
        Hasher h = SHA1.get();
        h.md.update(buf, off, len);
        return h.finish();
    }

    /** SHA-1 of the remaining bytes of {@code buf}; its position is not moved. */
    public static Score hash(ByteBuffer buf) {
        Hasher h = SHA1.get();
        h.md.update(buf.duplicate());
        return h.finish();
    }

    public static Score fromBytes(byte[] b, int off) {
        if (off < 0 || off + SIZE > b.length) {
            throw new IllegalArgumentException(
                "need " + SIZE + " bytes at " + off + ", have " + b.length);
        }
        return new Score(intAt(b, off), intAt(b, off + 4), intAt(b, off + 8), intAt(b, off + 12),
            intAt(b, off + 16));
    }

    /** Reads 20 bytes at the buffer's position and advances it. */
    public static Score read(ByteBuffer buf) {
        return new Score(buf.getInt(), buf.getInt(), buf.getInt(), buf.getInt(), buf.getInt());
    }

    /** Reads 20 bytes at an absolute index without moving the position. */
    public static Score read(ByteBuffer buf, int index) {
        return new Score(buf.getInt(index), buf.getInt(index + 4), buf.getInt(index + 8),
            buf.getInt(index + 12), buf.getInt(index + 16));
    }

    /** Parses 40 hex digits (either case). */
    public static Score fromHex(String hex) {
        if (hex.length() != 2 * SIZE) {
            throw new IllegalArgumentException("a score has 40 hex digits, got " + hex.length()
                + ": '" + abbreviate(hex) + "'");
        }
        byte[] b = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            int hi = Character.digit(hex.charAt(2 * i), 16);
            int lo = Character.digit(hex.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("not a hex score: '" + abbreviate(hex) + "'");
            }
            b[i] = (byte) (hi << 4 | lo);
        }
        return fromBytes(b, 0);
    }

    /** True if {@code s} is 40 hex digits. */
    public static boolean isHex(String s) {
        if (s.length() != 2 * SIZE)
            return false;
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0)
                return false;
        }
        return true;
    }

    public void copyTo(byte[] dst, int off) {
        putInt(dst, off, w0);
        putInt(dst, off + 4, w1);
        putInt(dst, off + 8, w2);
        putInt(dst, off + 12, w3);
        putInt(dst, off + 16, w4);
    }

    /** Writes the 20 bytes at the buffer's position and advances it. */
    public void writeTo(ByteBuffer dst) {
        dst.putInt(w0).putInt(w1).putInt(w2).putInt(w3).putInt(w4);
    }

    public byte[] toBytes() {
        byte[] b = new byte[SIZE];
        copyTo(b, 0);
        return b;
    }

    public boolean isZero() {
        return equals(ZERO);
    }

    public String toHex() {
        StringBuilder sb = new StringBuilder(2 * SIZE);
        for (int w : new int[]{w0, w1, w2, w3, w4}) {
            String h = Integer.toHexString(w);
            for (int i = h.length(); i < 8; i++)
                sb.append('0');
            sb.append(h);
        }
        return sb.toString();
    }

    /** The first {@code n} hex digits, for logs and listings. */
    public String abbreviated(int n) {
        return toHex().substring(0, Math.min(n, 2 * SIZE));
    }

    /** True if the hex form starts with {@code prefix} (case-insensitive). */
    public boolean startsWith(String prefix) {
        return toHex().startsWith(prefix.toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public int compareTo(Score o) {
        int c = Integer.compareUnsigned(w0, o.w0);
        if (c != 0)
            return c;
        c = Integer.compareUnsigned(w1, o.w1);
        if (c != 0)
            return c;
        c = Integer.compareUnsigned(w2, o.w2);
        if (c != 0)
            return c;
        c = Integer.compareUnsigned(w3, o.w3);
        if (c != 0)
            return c;
        return Integer.compareUnsigned(w4, o.w4);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Score s && w0 == s.w0 && w1 == s.w1 && w2 == s.w2 && w3 == s.w3
            && w4 == s.w4;
    }

    /** SHA-1 output is uniformly distributed, so one word is a good hash. */
    @Override
    public int hashCode() {
        return w1;
    }

    /** Word {@code i} (0 to 4) of the score: bytes {@code 4i} to {@code 4i + 3}, big-endian. */
    public int word(int i) {
        return switch (i) {
            case 0 -> w0;
            case 1 -> w1;
            case 2 -> w2;
            case 3 -> w3;
            case 4 -> w4;
            default -> throw new IndexOutOfBoundsException(i);
        };
    }

    /** Word {@code i} of the score stored at {@code off} in {@code b}, as {@link #word}. */
    public static int wordAt(byte[] b, int off, int i) {
        return intAt(b, off + 4 * i);
    }

    /** The first 8 bytes as a long: well distributed, for filters and sharding. */
    public long prefix64() {
        return (long) w0 << 32 | (w1 & 0xffffffffL);
    }

    /** The last 8 bytes as a long: independent of {@link #prefix64()}. */
    public long suffix64() {
        return (long) w3 << 32 | (w4 & 0xffffffffL);
    }

    @Override
    public String toString() {
        return toHex();
    }

    private static int intAt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8
            | (b[off + 3] & 0xff);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private static String abbreviate(String s) {
        return s.length() <= 48 ? s : s.substring(0, 45) + "...";
    }

    static byte[] copyOf(byte[] b) {
        return Arrays.copyOf(b, b.length);
    }
}
