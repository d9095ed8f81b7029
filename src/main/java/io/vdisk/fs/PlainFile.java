package io.vdisk.fs;

import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * An open ordinary file of the served directory: positional reads and writes on its channel.
 * Thread-safe (positional {@link FileChannel} I/O is).
 */
final class PlainFile implements OpenFile {
    private final FileChannel ch;
    private final String name;

    PlainFile(FileChannel ch, String name) {
        this.ch = ch;
        this.name = name;
    }

    @Override
    public int read(long offset, ByteBuffer dst) throws NinePException {
        int total = 0;
        try {
            while (dst.hasRemaining()) {
                int n = ch.read(dst, offset + total);
                if (n <= 0) {
                    break;
                }
                total += n;
            }
            return total;
        } catch (IOException e) {
            throw Errors.of(e, name);
        }
    }

    @Override
    public int write(long offset, ByteBuffer src) throws NinePException {
        int total = 0;
        try {
            while (src.hasRemaining()) {
                total += ch.write(src, offset + total);
            }
            return total;
        } catch (IOException e) {
            throw Errors.of(e, name);
        }
    }

    @Override
    public void fsync(boolean dataOnly) throws NinePException {
        try {
            ch.force(!dataOnly);
        } catch (IOException e) {
            throw Errors.of(e, name);
        }
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing was buffered in user space; a failed close loses nothing of ours
        }
    }
}
