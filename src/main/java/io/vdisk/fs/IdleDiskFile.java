package io.vdisk.fs;

import io.vdisk.live.IdleView;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * An open {@code .vdisk} file, read-only, of an image that was not open and had no writes: a
 * reader that costs no journal, nor room on disk for one (see {@link IdleView}). Thread-safe.
 */
final class IdleDiskFile implements OpenFile {
    private final IdleView view;
    private final String name;

    IdleDiskFile(IdleView view, String name) {
        this.view = view;
        this.name = name;
    }

    @Override
    public int read(long offset, ByteBuffer dst) throws NinePException {
        try {
            return view.read(img -> LiveDiskFile.read(img, offset, dst),
                image -> RevisionFile.read(image, name, offset, dst));
        } catch (IOException e) {
            throw Errors.of(e, name); // a NinePException as it is
        }
    }

    @Override
    public int write(long offset, ByteBuffer src) throws NinePException {
        throw new NinePException(Errno.EBADF, name + ": not open for writing");
    }

    /** Makes durable what others wrote, as an fsync of any open file of the image does. */
    @Override
    public void fsync(boolean dataOnly) throws NinePException {
        try {
            view.read(img -> {
                img.flush();
                return null;
            }, image -> null);
        } catch (IOException e) {
            throw Errors.of(e, name);
        }
    }
}
