package io.vdisk.image.layout;

import io.vdisk.image.ByteRangeReader;
import java.io.IOException;

/** Disk bytes of a known size, as the layout probes read them. Thread-safe implementations. */
public interface Disk extends ByteRangeReader {
    long size();

    /** Reads {@code len} bytes at {@code offset}, zeros for any part past the end. */
    default byte[] readPadded(long offset, int len) throws IOException {
        byte[] b = new byte[len];
        long n = Math.max(0, Math.min(len, size() - offset));
        if (n > 0)
            read(offset, b, 0, (int) n);
        return b;
    }

    /** A disk held in memory (tests, small images). */
    static Disk of(byte[] bytes) {
        return new Disk() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public void read(long off, byte[] dst, int o, int len) throws IOException {
                if (off < 0 || off + len > bytes.length)
                    throw new java.io.EOFException("read past the end at " + off);
                System.arraycopy(bytes, (int) off, dst, o, len);
            }
        };
    }
}
