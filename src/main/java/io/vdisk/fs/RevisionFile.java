package io.vdisk.fs;

import io.vdisk.image.Image;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** A committed revision's raw disk, read-only. Thread-safe (the image reader is). */
final class RevisionFile implements OpenFile {
    private final Image image;
    private final String name;

    RevisionFile(Image image, String name) {
        this.image = image;
        this.name = name;
    }

    @Override
    public int read(long offset, ByteBuffer dst) throws NinePException {
        return read(image, name, offset, dst);
    }

    /** Reads a committed image as a file: up to its size, advancing {@code dst}. */
    static int read(Image image, String name, long offset, ByteBuffer dst)
        throws NinePException {
        long size = image.size();
        if (offset >= size) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), size - offset);
        byte[] b = dst.hasArray() ? dst.array() : Buffers.scratch(n);
        int off = dst.hasArray() ? dst.arrayOffset() + dst.position() : 0;
        try {
            int got = image.read(offset, b, off, n);
            // Past the last stored block of a truncated tree the disk reads as zeros.
            Arrays.fill(b, off + Math.max(got, 0), off + n, (byte) 0);
        } catch (IOException e) {
            throw Errors.of(e, name);
        }
        if (dst.hasArray()) {
            dst.position(dst.position() + n);
        } else {
            dst.put(b, 0, n);
        }
        return n;
    }

    @Override
    public int write(long offset, ByteBuffer src) throws NinePException {
        throw new NinePException(Errno.EROFS, name + ": snapshots are read-only");
    }
}
