package io.vdisk.journal;

import io.vdisk.venti.Gather;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The read-only image beneath a {@link Journal}: in practice a CAS hash tree, in tests a byte
 * array. Implementations must be thread-safe; the journal reads from many threads at once.
 */
public interface BaseImage {

    /** Logical size in bytes. */
    long size();

    /**
     * Fills {@code dst} completely (from its position to its limit) with the bytes at
     * {@code offset}; bytes at or past {@link #size()} read as zeros.
     */
    void read(long offset, ByteBuffer dst) throws IOException;

    /** As {@link #read(long, ByteBuffer)}, {@code length} bytes into {@code out}. */
    default void read(long offset, int length, Gather out) throws IOException {
        read(offset, out.fill(length));
    }

    /** An all-zero base of the given size (a fresh, never-written disk). */
    static BaseImage zeros(long size) {
        return new BaseImage() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public void read(long offset, ByteBuffer dst) {
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
            }
        };
    }
}
