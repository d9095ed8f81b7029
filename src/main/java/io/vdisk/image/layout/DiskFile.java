package io.vdisk.image.layout;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A raw disk to import: a regular file or a block device, read with positional reads.
 * Thread-safe (FileChannel positional reads are). Owns the channel: close it.
 */
public final class DiskFile implements Disk, AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long size;

    private DiskFile(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    public static DiskFile open(Path path) throws IOException {
        if (!Files.exists(path))
            throw new NoSuchFileException(path.toString(), null, "no such file or device");
        if (Files.isDirectory(path))
            throw new IOException(path + ": is a directory, not a disk image");
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size == 0 && !Files.isRegularFile(path))
                size = blockDeviceSize(path);
            return new DiskFile(path, ch, size);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Block devices report size 0 to Java; sysfs knows it in 512-byte sectors. */
    private static long blockDeviceSize(Path dev) throws IOException {
        try {
            long rdev = ((Number) Files.getAttribute(dev, "unix:rdev", LinkOption.NOFOLLOW_LINKS))
                .longValue();
            long major = (rdev >>> 8) & 0xfff;
            long minor = (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
            String s = Files.readString(Path.of("/sys/dev/block/" + major + ":" + minor + "/size"))
                .trim();
            return Long.parseLong(s) * 512;
        } catch (UnsupportedOperationException | NumberFormatException e) {
            throw new IOException(dev + ": cannot tell the size of this device");
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, byte[] dst, int off, int len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(dst, off, len);
        long pos = offset;
        while (b.hasRemaining()) {
            int n = channel.read(b, pos);
            if (n < 0)
                throw new EOFException(path + ": ends at offset " + pos + ", expected "
                    + (offset + len) + " bytes (did it shrink during import?)");
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
