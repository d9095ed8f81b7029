package io.vdisk.venti;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A content-addressed block store: blocks are named by the SHA-1 of their zero-truncated bytes.
 *
 * <p>Implementations are thread-safe: any number of threads may put and get at once.
 *
 * <p><b>Durability.</b> {@link #put} makes a block readable at once but promises nothing about a
 * crash. When {@link #sync()} returns, every block whose put returned before sync was called is
 * durable: after a crash it is readable and verifies. Concurrent syncs share one group commit.
 *
 * <p><b>Verification.</b> {@link #get} hashes what it read; bytes that do not match the score are
 * never returned, the call fails with {@link CorruptBlockException} naming where they were.
 */
public interface BlockStore extends AutoCloseable {

    /**
     * Stores {@code buf[off, off+len)} as a block of {@code type}, truncated by the zero rules
     * first. Idempotent: a block already present is not stored again. An all-zero block is never
     * stored; its score is {@link Score#ZERO}.
     *
     * @return the block's score
     */
    Score put(BlockType type, byte[] buf, int off, int len) throws IOException;

    default Score put(BlockType type, byte[] buf) throws IOException {
        return put(type, buf, 0, buf.length);
    }

    /**
     * Stores the blocks of {@code blockSize} bytes in {@code buf[off, off+len)} (the last one
     * may be shorter) as {@link #put} does each, their scores in {@code scores} from
     * {@code at}. A store may append the new ones together, so that they lie in order.
     */
    default void putRun(BlockType type, byte[] buf, int off, int len, int blockSize,
        Score[] scores, int at) throws IOException {
        for (int o = 0; o < len; o += blockSize)
            scores[at++] = put(type, buf, off + o, Math.min(blockSize, len - o));
    }

    /**
     * Returns the block's truncated bytes (use {@link ZeroTruncation#extend} to restore a full
     * block). {@link Score#ZERO} always yields an empty array.
     *
     * @throws MissingBlockException if no block has that score
     * @throws CorruptBlockException if the stored bytes do not hash to the score
     */
    byte[] get(Score score, BlockType type) throws IOException;

    /**
     * As {@link #get}, but the array may be shared with other callers (a cache's copy): the
     * caller must not change it. For read-only uses on hot paths, such as pointer blocks.
     */
    default byte[] getShared(Score score, BlockType type) throws IOException {
        return get(score, type);
    }

    /** Reads a block and restores its truncated tail up to {@code size} bytes in {@code dst}. */
    default void read(Score score, BlockType type, byte[] dst, int off, int size)
        throws IOException {
        extendInto(score, type, get(score, type), dst, off, size);
    }

    /**
     * As {@link #read(Score, BlockType, byte[], int, int)}, into {@code dst} at its position,
     * which advances by {@code size}. With a direct buffer the bytes go out to a socket or file
     * without another copy.
     */
    default void read(Score score, BlockType type, ByteBuffer dst, int size) throws IOException {
        putInto(score, type, getShared(score, type), dst, size);
    }

    /**
     * Reads {@code count} whole blocks, {@code scores[0..count)}, one after another into
     * {@code dst} as {@link #read(Score, BlockType, ByteBuffer, int)} would; the zero score reads
     * as zeros. A store may look all of them up before it copies any.
     */
    default void readRun(Score[] scores, int count, BlockType type, ByteBuffer dst, int size)
        throws IOException {
        for (int i = 0; i < count; i++) {
            if (scores[i].isZero()) ZeroTruncation.fill(dst, size);
            else
                read(scores[i], type, dst, size);
        }
    }

    /**
     * As {@link #readRun(Score[], int, BlockType, ByteBuffer, int)}, into {@code out}: a store
     * with a cache may share its cached bytes instead of copying them.
     */
    default void readRun(Score[] scores, int count, BlockType type, int size, Gather out)
        throws IOException {
        readRun(scores, count, type, out.fill(count * size), size);
    }

    /** Puts a block's truncated bytes {@code b} into {@code dst} and restores its tail. */
    static void putInto(Score score, BlockType type, byte[] b, ByteBuffer dst, int size)
        throws CorruptBlockException {
        if (b.length > size || type.isPointer()) {
            byte[] full = new byte[size];
            extendInto(score, type, b, full, 0, size);
            dst.put(full);
            return;
        }
        dst.put(b);
        ZeroTruncation.fill(dst, size - b.length);
    }

    /** Copies a block's truncated bytes {@code b} into {@code dst} and restores its tail. */
    static void extendInto(Score score, BlockType type, byte[] b, byte[] dst, int off, int size)
        throws CorruptBlockException {
        if (b.length > size) {
            throw new CorruptBlockException("block " + score + " of type " + type + " holds "
                + b.length + " bytes where at most " + size + " are expected");
        }
        System.arraycopy(b, 0, dst, off, b.length);
        ZeroTruncation.extend(type, dst, off, b.length, size);
    }

    boolean has(Score score) throws IOException;

    /** Makes every block put before this call durable (see the class comment). */
    void sync() throws IOException;

    StoreStats stats();

    /** Idempotent. */
    @Override
    void close() throws IOException;
}
