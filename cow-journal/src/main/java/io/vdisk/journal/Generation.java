package io.vdisk.journal;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A sealed, immutable set of dirty blocks, handed to the flusher by {@link Journal#seal()} or
 * found pending by {@link Journal#pendingGeneration()} after a restart.
 *
 * <p>
 * The new image content is: the base named by {@link #baseTag()}, cut to {@link #minSize()}
 * (everything at or past it reads as zeros), extended or cut to {@link #size()}, with the blocks
 * of {@link #forEachBlock} laid over it. {@link #read} serves exactly that view.
 *
 * <p>
 * Thread-safe. All methods throw {@link IllegalStateException} once the generation has been
 * released or discarded. Do not call {@link Journal#release} from inside a visitor.
 */
public interface Generation {

    /** Monotonic sequence number of this generation within its journal. */
    long sequence();

    /** The base score (tag) this generation applies to. */
    String baseTag();

    /** Image size at the moment of sealing. */
    long size();

    /**
     * The smallest size the image had during this generation: base bytes at or past it were cut
     * away and must read as zeros unless a dirty block covers them.
     */
    long minSize();

    int blockSize();

    /** Number of dirty blocks (data and zero). */
    long blockCount();

    /** Visits every dirty block in ascending block order. */
    void forEachBlock(BlockVisitor visitor) throws IOException;

    /**
     * Reads this generation over the base it was sealed on (not newer writes). Fills
     * {@code dst} fully; bytes past {@link #size()} read as zeros.
     */
    void read(long offset, ByteBuffer dst) throws IOException;
}
