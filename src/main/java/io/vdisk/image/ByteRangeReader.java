package io.vdisk.image;

import java.io.IOException;

/**
 * Random reads of disk bytes: the content an image is built from or committed with.
 * Implementations used by {@link ImageBuilder} are called from several threads at once and must be
 * thread-safe.
 */
@FunctionalInterface
public interface ByteRangeReader {
    /** Fills {@code dst[off, off+len)} with the bytes at {@code diskOffset}; all of them. */
    void read(long diskOffset, byte[] dst, int off, int len) throws IOException;
}
