package io.vdisk.venti.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * One append-only arena file: a header, then {@link ArenaRecord}s back to back.
 *
 * <pre>
 * | offset | size | field                                 |
 * |--------|------|---------------------------------------|
 * | 0      | 4    | magic 0x56444152 ("VDAR")             |
 * | 4      | 2    | version, 1                            |
 * | 6      | 2    | header size, 32                       |
 * | 8      | 4    | arena number                          |
 * | 12     | 8    | creation time, ms since the epoch     |
 * | 20     | 8    | reserved, zero                        |
 * | 28     | 4    | CRC32C of bytes 0..27                 |
 * </pre>
 *
 * Appends collect in a small write-behind buffer and reach the file in large writes (when it
 * fills, and at {@link #force}/{@link #writeOut}), not one syscall per block; reads see the
 * buffered bytes too.
 *
 * <p>Thread-safe: reads are positional; appends are serialized by the store, which owns
 * {@link #end}.
 */
public final class Arena implements AutoCloseable {
    public static final int MAGIC = 0x56444152;
    public static final int VERSION = 1;
    public static final int HEADER_SIZE = 32;

    private final Path path;
    private final int number;
    private final FileChannel channel;
    /** Logical end: the file's written bytes plus the buffered ones. */
    private volatile long end;
    /** Bytes below this are in the file; the buffer holds {@code [written, end)}. */
    private volatile long written;
    private final Object bufferLock = new Object();
    private ByteBuffer buffer; // guarded by bufferLock; allocated by the first append
    private static final int BUFFER_SIZE = 256 << 10;

    private Arena(Path path, int number, FileChannel channel, long end) {
        this.path = path;
        this.number = number;
        this.channel = channel;
        this.end = end;
        this.written = end;
    }

    public static String fileName(int number) {
        return String.format("arena-%06d.vda", number);
    }

    /** Suffix of an arena being created; one left by a crash is deleted at open. */
    public static final String TEMP_SUFFIX = ".tmp";

    /** Creates a new, empty arena; its header is durable when this returns. */
    public static Arena create(Path dir, int number, long now) throws IOException {
        // Header first in a temp file, then renamed: a crash never leaves a headerless arena.
        Path p = dir.resolve(fileName(number));
        Path tmp = dir.resolve(fileName(number) + TEMP_SUFFIX);
        Files.deleteIfExists(tmp);
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE);
            h.putInt(MAGIC).putShort((short) VERSION).putShort((short) HEADER_SIZE).putInt(number)
                .putLong(now).putLong(0);
            h.putInt(crc(h.array()));
            h.flip();
            while (h.hasRemaining())
                ch.write(h, h.position());
            ch.force(true);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new Arena(p, number, ch, HEADER_SIZE);
    }

    /** Opens an arena and checks its header; {@link #end} is the file length until truncated. */
    public static Arena open(Path p, int expectedNumber) throws IOException {
        FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE);
            readFully(ch, h, 0);
            int magic = h.getInt(0);
            String where = p + " offset 0: ";
            if (h.position() < HEADER_SIZE) {
                throw new CorruptStoreException(where + "arena header is truncated");
            }
            if (magic != MAGIC) {
                throw new CorruptStoreException(where + "not an arena (magic "
                    + Integer.toHexString(magic) + ", expected " + Integer.toHexString(MAGIC)
                    + ")");
            }
            if (h.getInt(28) != crc(h.array())) {
                throw new CorruptStoreException(where + "arena header checksum mismatch");
            }
            int version = h.getShort(4) & 0xffff;
            if (version != VERSION) {
                throw new CorruptStoreException(where + "arena version " + version
                    + " is not supported (expected " + VERSION + ")");
            }
            int number = h.getInt(8);
            if (number != expectedNumber) {
                throw new CorruptStoreException(where + "arena says it is number " + number
                    + " but its name says " + expectedNumber);
            }
            return new Arena(p, number, ch, ch.size());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public int number() {
        return number;
    }

    public long end() {
        return end;
    }

    /** Appends bytes at the end; the caller serializes appends. Returns their offset. */
    public long append(ByteBuffer src) throws IOException {
        synchronized (bufferLock) {
            long at = end;
            if (buffer == null)
                buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
            if (src.remaining() > buffer.remaining())
                writeOutLocked();
            if (src.remaining() > buffer.capacity()) {
                long pos = at;
                while (src.hasRemaining())
                    pos += channel.write(src, pos);
                written = pos;
                end = pos;
                return at;
            }
            end = at + src.remaining();
            buffer.put(src);
            return at;
        }
    }

    /** Reads until {@code dst} is full or the arena ends. */
    public void read(ByteBuffer dst, long position) throws IOException {
        if (position + dst.remaining() <= written) {
            readFully(channel, dst, position);
            return;
        }
        synchronized (bufferLock) {
            long fileEnd = written;
            if (position < fileEnd) {
                int limit = dst.limit();
                dst.limit(dst.position() + (int) Math.min(dst.remaining(), fileEnd - position));
                long before = dst.position();
                readFully(channel, dst, position);
                position += dst.position() - before;
                dst.limit(limit);
                if (position < fileEnd)
                    return; // the file ended early
            }
            if (buffer != null && position < end) {
                int from = (int) (position - fileEnd);
                int n = (int) Math.min(dst.remaining(), buffer.position() - from);
                dst.put(buffer.duplicate().position(from).limit(from + n));
            }
        }
    }

    /** Hands buffered appends to the OS (no fsync): enough to survive a kill, not a crash. */
    public void writeOut() throws IOException {
        synchronized (bufferLock) {
            writeOutLocked();
        }
    }

    private void writeOutLocked() throws IOException {
        if (buffer == null || buffer.position() == 0)
            return;
        ByteBuffer b = buffer.flip();
        long pos = written;
        while (b.hasRemaining())
            pos += channel.write(b, pos);
        b.clear();
        written = pos;
    }

    /** Cuts the file at {@code length} (a torn tail) and makes the cut durable. */
    public void truncate(long length) throws IOException {
        synchronized (bufferLock) {
            writeOutLocked();
            channel.truncate(length);
            channel.force(true);
            end = length;
            written = length;
        }
    }

    /** fdatasync: the appended records are durable when this returns. */
    public void force() throws IOException {
        writeOut();
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        try {
            writeOut();
        } finally {
            channel.close();
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position)
        throws IOException {
        while (dst.hasRemaining()) {
            int n = ch.read(dst, position);
            if (n < 0)
                break;
            position += n;
        }
    }

    private static int crc(byte[] header) {
        CRC32C c = new CRC32C();
        c.update(header, 0, 28);
        return (int) c.getValue();
    }
}
