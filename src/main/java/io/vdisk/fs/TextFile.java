package io.vdisk.fs;

import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import java.nio.ByteBuffer;

/** A small read-only file whose content was fixed when it was opened. Immutable, thread-safe. */
final class TextFile implements OpenFile {
    private final byte[] content;

    TextFile(byte[] content) {
        this.content = content;
    }

    @Override
    public int read(long offset, ByteBuffer dst) {
        if (offset >= content.length) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), content.length - offset);
        dst.put(content, (int) offset, n);
        return n;
    }

    @Override
    public int write(long offset, ByteBuffer src) throws NinePException {
        throw new NinePException(Errno.EROFS, "read-only file");
    }
}
