package io.vdisk.journal;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** A base image over a private copy of a byte array. Immutable, thread-safe. */
final class ByteArrayBase implements BaseImage {
    private final byte[] bytes;

    ByteArrayBase(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        while (dst.hasRemaining()) {
            dst.put(offset < bytes.length ? bytes[(int) offset] : 0);
            offset++;
        }
    }

    byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return "ByteArrayBase[" + bytes.length + ", hash " + Arrays.hashCode(bytes) + "]";
    }
}
