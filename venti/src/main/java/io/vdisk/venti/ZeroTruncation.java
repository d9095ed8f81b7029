package io.vdisk.venti;

import java.nio.ByteBuffer;

/**
 * Venti's zero-truncation rules (venti(7), libventi {@code zero.c}): a block is stored and hashed
 * without its trailing zeros, so every all-zero block, of any size, has the {@link Score#ZERO}
 * score and costs nothing.
 *
 * <ul>
 * <li>Data and directory blocks drop trailing zero bytes.
 * <li>Pointer blocks drop trailing {@link Score#ZERO} scores, whole scores only; bytes after the
 * last whole score ("slop") are ignored.
 * <li>Root blocks are never truncated (at most {@link VtRoot#SIZE} bytes are kept).
 * </ul>
 * Thread-safe (stateless).
 */
public final class ZeroTruncation {
    private static final byte[] ZERO_SCORE = Score.ZERO.toBytes();
    private static final byte[] ZEROS = new byte[8192];

    private ZeroTruncation() {
    }

    /** Length of {@code buf[off, off+len)} once truncated as {@code type} requires. */
    public static int truncatedLength(BlockType type, byte[] buf, int off, int len) {
        if (type == BlockType.ROOT)
            return Math.min(len, VtRoot.SIZE);
        if (!type.isPointer()) {
            int end = off + len;
            while (end > off && buf[end - 1] == 0)
                end--;
            return end - off;
        }
        int n = len / Score.SIZE * Score.SIZE;
        while (n > 0 && isZeroScore(buf, off + n - Score.SIZE))
            n -= Score.SIZE;
        return n;
    }

    /**
     * Undoes truncation in place: fills {@code buf[off+len, off+size)} with what was dropped,
     * zero bytes for leaves and zero scores (then zero slop) for pointer blocks.
     */
    public static void extend(BlockType type, byte[] buf, int off, int len, int size) {
        if (!type.isPointer()) {
            java.util.Arrays.fill(buf, off + len, off + size, (byte) 0);
            return;
        }
        int p = off + len / Score.SIZE * Score.SIZE;
        int whole = off + size / Score.SIZE * Score.SIZE;
        for (; p < whole; p += Score.SIZE)
            System.arraycopy(ZERO_SCORE, 0, buf, p, Score.SIZE);
        java.util.Arrays.fill(buf, p, off + size, (byte) 0);
    }

    /** Puts {@code n} zero bytes at {@code dst}'s position. */
    public static void fill(ByteBuffer dst, int n) {
        while (n > 0) {
            int k = Math.min(n, ZEROS.length);
            dst.put(ZEROS, 0, k);
            n -= k;
        }
    }

    private static boolean isZeroScore(byte[] buf, int at) {
        for (int i = 0; i < Score.SIZE; i++) {
            if (buf[at + i] != ZERO_SCORE[i])
                return false;
        }
        return true;
    }
}
