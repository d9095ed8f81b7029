package io.vdisk.nbd;

import io.vdisk.venti.Gather;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One disk as an NBD client sees it. Implementations are thread-safe: a connection issues many
 * requests at once, and several connections may share an export.
 */
public interface NbdExport extends AutoCloseable {
    long size();

    boolean readOnly();

    /** Whether a flush on any connection covers writes made through every other (MULTI_CONN). */
    boolean flushCoversAllConnections();

    /** Fills {@code dst} from its position to its limit with the bytes at {@code offset}. */
    void read(long offset, ByteBuffer dst) throws IOException;

    /**
     * Gathers the {@code length} bytes at {@code offset} into {@code out}; an export may share
     * cached bytes rather than copy them.
     */
    default void read(long offset, int length, Gather out) throws IOException {
        read(offset, out.fill(length));
    }

    /** Writes the bytes of {@code src}'s buffers (each position to limit, in order) at {@code offset}. */
    void write(long offset, ByteBuffer... src) throws IOException;

    /** Every write that returned before this call is durable when it returns. */
    void flush() throws IOException;

    /** The range reads as zeros afterwards and costs no data (trim and write-zeroes alike). */
    void zero(long offset, long length) throws IOException;

    /**
     * Allocation of {@code [offset, offset+length)}, in order, covering at least its first byte;
     * used for base:allocation block status.
     */
    List<Extent> extents(long offset, long length) throws IOException;

    /** The connection is done with the export. Idempotent. */
    @Override
    void close() throws IOException;

    /** A run of bytes that are all data or all zero. */
    record Extent(long length, boolean zero) {
    }
}
