package io.vdisk.fs;

import io.vdisk.live.LiveImage;
import io.vdisk.live.LiveImages;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An open {@code .vdisk} file, read-only, of an image that was not open and had no writes: a
 * reader costs no journal, nor room on disk for one. Reads come from the head root until anyone
 * opens the image, then through the live image, so they see every write; nothing changes the
 * head of an image no one has open. Thread-safe.
 */
final class IdleDiskFile implements OpenFile {
    private final LiveImages images;
    private final String key;
    private final RevisionFile head;
    private final String name;

    /** @param key the image's {@link LiveImages#key} */
    IdleDiskFile(LiveImages images, String key, RevisionFile head, String name) {
        this.images = images;
        this.key = key;
        this.head = head;
        this.name = name;
    }

    @Override
    public int read(long offset, ByteBuffer dst) throws NinePException {
        LiveImage img = images.ifOpenKey(key);
        return img != null ? LiveDiskFile.read(img, offset, dst) : head.read(offset, dst);
    }

    @Override
    public int write(long offset, ByteBuffer src) throws NinePException {
        throw new NinePException(Errno.EBADF, name + ": not open for writing");
    }

    /** Makes durable what others wrote, as an fsync of any open file of the image does. */
    @Override
    public void fsync(boolean dataOnly) throws NinePException {
        LiveImage img = images.ifOpenKey(key);
        if (img == null) return;
        try {
            img.flush();
        } catch (IOException e) {
            throw Errors.of(e, name);
        }
    }

    @Override
    public void close() {
    }
}
