package io.vdisk.fs;

import io.vdisk.live.LiveImage;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open {@code .vdisk} file: the raw disk of a live image. Reads see the journal over the
 * committed tree, writes go to the journal, fsync makes them durable, and a write past the end
 * grows the disk first, as it would grow a file. Counts itself as a user of the image (a writer
 * when opened for writing) until closed. Thread-safe: the image is; growth is serialised by
 * {@link #resize}.
 */
final class LiveDiskFile implements OpenFile {
    private final LiveImage img;
    private final boolean writing;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Takes over one {@code acquire(writing)} of {@code img}. */
    LiveDiskFile(LiveImage img, boolean writing) {
        this.img = img;
        this.writing = writing;
    }

    /**
     * Changes the disk size; {@code growOnly} leaves a bigger disk alone, so that two writers
     * growing at once never shrink it. Locks the image object: the only other place that
     * resizes a live image is the journal's owner, which does not lock it.
     */
    static void resize(LiveImage img, long size, boolean growOnly) throws NinePException {
        synchronized (img) {
            try {
                if (!growOnly || img.size() < size) {
                    img.resize(size);
                }
            } catch (IOException e) {
                throw Errors.of(e, img.name());
            }
        }
    }

    @Override
    public int read(long offset, ByteBuffer dst) throws NinePException {
        return read(img, offset, dst);
    }

    /** Reads {@code img} as a file: up to its size, advancing {@code dst}. */
    static int read(LiveImage img, long offset, ByteBuffer dst) throws NinePException {
        long size = img.size();
        if (offset >= size) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), size - offset);
        try {
            if (dst.hasArray()) {
                img.read(offset, dst.array(), dst.arrayOffset() + dst.position(), n);
                dst.position(dst.position() + n);
            } else {
                byte[] b = Buffers.scratch(n);
                img.read(offset, b, 0, n);
                dst.put(b, 0, n);
            }
            return n;
        } catch (IOException e) {
            throw Errors.of(e, img.name());
        }
    }

    @Override
    public int write(long offset, ByteBuffer src) throws NinePException {
        if (!writing) {
            throw new NinePException(Errno.EBADF, img.name() + ": not open for writing");
        }
        int n = src.remaining();
        resize(img, offset + n, true);
        try {
            if (src.hasArray()) {
                img.write(offset, src.array(), src.arrayOffset() + src.position(), n);
                src.position(src.position() + n);
            } else {
                byte[] b = Buffers.scratch(n);
                src.get(b, 0, n);
                img.write(offset, b, 0, n);
            }
            return n;
        } catch (IOException e) {
            throw Errors.of(e, img.name());
        }
    }

    @Override
    public void fsync(boolean dataOnly) throws NinePException {
        try {
            img.flush();
        } catch (IOException e) {
            throw Errors.of(e, img.name());
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            img.release(writing);
        }
    }
}
