package io.vdisk.journal.internal;

import static io.vdisk.journal.internal.LogFormat.*;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * One generation: its append-only log file (layout in {@link LogFormat}), its block index and
 * the size bookkeeping replayed from RESIZE records. The file may be a recycled one that is
 * longer than the log: the tail is tracked here (or recovered), never taken from the file size.
 *
 * <p>
 * Not thread-safe for mutation: appends, {@link #force}, and {@link #close} must be serialised
 * by the caller (the journal's locks). Positional reads ({@link #readPayload}) may run
 * concurrently with appends, since they only touch bytes already written.
 */
public final class GenerationLog implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long sequence;
    private final int blockSize;
    private final long startSize;
    private final boolean sync;
    private final BlockIndex index;

    private long tail;
    private volatile long size; // read without the journal lock by Journal.size()
    private long minSize;
    private String sealTag;
    /** Where the SEAL record starts, while sealed by {@link #appendSeal}; -1 otherwise. */
    private long sealedAt = -1;
    /** Length made durable by the last force; written into a checkpoint slot by the next. */
    private long forcedLength;
    private long checkpointed;
    private int nextSlot;
    private ByteBuffer staging;
    private ByteBuffer header;
    private boolean closed;

    GenerationLog(Path path, FileChannel channel, long sequence, int blockSize, long startSize,
        boolean sync, long tail) throws IOException {
        this.path = path;
        this.channel = channel;
        this.sequence = sequence;
        this.blockSize = blockSize;
        this.startSize = startSize;
        this.sync = sync;
        this.tail = tail;
        this.size = startSize;
        this.minSize = startSize;
        this.forcedLength = tail;
        this.checkpointed = tail;
        this.index = new BlockIndex(blockSize);
    }

    /**
     * Creates a new, empty generation file and forces it. The caller forces the directory so
     * that the file's existence is durable too.
     *
     * <p>
     * With a {@code spare} (a released log, see {@link JournalDirectory}) that file is reused
     * instead, keeping its allocated blocks: it is opened without truncating, the new header
     * (zeroed checkpoint slots) is written over the old one and forced, and only then is it
     * renamed to the generation's name. So a {@code gen-} file never carries another
     * generation's header; a crash before the rename leaves a spare, which recovery never reads.
     * The stale records past the header belong to older sequences and recovery cuts them off.
     */
    public static GenerationLog create(Path dir, long sequence, int blockSize, long startSize,
        boolean sync, Path spare) throws IOException {
        Path file = dir.resolve(fileName(sequence));
        if (spare != null && Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString());
        }
        FileChannel ch = spare == null
            ? FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)
            : FileChannel.open(spare, StandardOpenOption.READ, StandardOpenOption.WRITE);
        GenerationLog log = null;
        try {
            try {
                writeFully(ch, header(blockSize, sequence, startSize), 0);
                if (sync) {
                    ch.force(true);
                }
            } catch (IOException e) {
                throw named(e, spare == null ? file : spare);
            }
            log = new GenerationLog(file, ch, sequence, blockSize, startSize, sync, HEADER_SIZE);
            if (spare != null) {
                Files.move(spare, file, StandardCopyOption.ATOMIC_MOVE);
            }
            return log;
        } catch (IOException | RuntimeException e) {
            try {
                if (log != null) {
                    log.close();
                } else {
                    ch.close();
                }
                if (spare == null) {
                    Files.deleteIfExists(file); // ours: CREATE_NEW succeeded
                }
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public long sequence() {
        return sequence;
    }

    public int blockSize() {
        return blockSize;
    }

    public long startSize() {
        return startSize;
    }

    /** Current image size as seen by this generation. */
    public long size() {
        return size;
    }

    /** Smallest size during the generation; lower layers are masked from here on. */
    public long minSize() {
        return minSize;
    }

    public long tail() {
        return tail;
    }

    /** Journal bytes held, headers of records included. */
    public long dirtyBytes() {
        return tail - HEADER_SIZE;
    }

    public boolean isEmpty() {
        return tail == HEADER_SIZE;
    }

    /** Bytes the file holds, stale records of a reused spare included. */
    public long fileLength() throws IOException {
        return channel.size();
    }

    public boolean isSealed() {
        return sealTag != null;
    }

    public String sealTag() {
        return sealTag;
    }

    public BlockIndex index() {
        return index;
    }

    /** First block at or past which lower layers read as zeros unless this layer has it. */
    public long maskBlock() {
        return (minSize + blockSize - 1) / blockSize;
    }

    /**
     * Returns a buffer of exactly {@code count} blocks for the caller to fill, then
     * {@link #commitData} appends it. At most {@link LogFormat#MAX_DATA_PAYLOAD} bytes.
     */
    public ByteBuffer beginData(int count) {
        if (staging == null) {
            staging = ByteBuffer.allocateDirect(RECORD_HEADER_SIZE + MAX_DATA_PAYLOAD);
        }
        staging.clear().position(RECORD_HEADER_SIZE).limit(RECORD_HEADER_SIZE + count * blockSize);
        return staging.slice();
    }

    public void commitData(long firstBlock, int count) throws IOException {
        checkWritable();
        int length = count * blockSize;
        ByteBuffer payload = staging.duplicate().position(RECORD_HEADER_SIZE)
            .limit(RECORD_HEADER_SIZE + length);
        recordHeader(staging, 0, TYPE_DATA, length, sequence, firstBlock, count, payload);
        long at = tail;
        write(staging.duplicate().position(0).limit(RECORD_HEADER_SIZE + length), at);
        tail = at + RECORD_HEADER_SIZE + length;
        applyData(firstBlock, count, at + RECORD_HEADER_SIZE);
    }

    /**
     * Appends a DATA record of {@code count} whole blocks whose bytes are those of
     * {@code payload}'s buffers (position to limit, in order, exactly {@code count} blocks in
     * all), in one gathering write: the bytes go from the caller's buffers (the socket's, for
     * NBD) to the file without a copy into the staging buffer.
     */
    public void appendData(long firstBlock, int count, ByteBuffer[] payload) throws IOException {
        checkWritable();
        int length = count * blockSize;
        if (header == null) {
            header = ByteBuffer.allocateDirect(RECORD_HEADER_SIZE);
        }
        recordHeader(header.clear(), 0, TYPE_DATA, length, sequence, firstBlock, count, payload);
        ByteBuffer[] record = new ByteBuffer[payload.length + 1];
        record[0] = header;
        System.arraycopy(payload, 0, record, 1, payload.length);
        long at = tail;
        long left = RECORD_HEADER_SIZE + (long) length;
        // Positional writes and the channel position are the appender's alone (see above).
        try {
            channel.position(at);
            while (left > 0)
                left -= channel.write(record);
        } catch (IOException e) {
            throw named(e, path + " offset " + at);
        }
        tail = at + RECORD_HEADER_SIZE + length;
        applyData(firstBlock, count, at + RECORD_HEADER_SIZE);
    }

    public void appendZero(long firstBlock, int count) throws IOException {
        appendPlain(TYPE_ZERO, firstBlock, count, null);
        applyZero(firstBlock, count);
    }

    public void appendResize(long newSize) throws IOException {
        appendPlain(TYPE_RESIZE, newSize, 0, null);
        applyResize(newSize);
    }

    /**
     * Appends the SEAL record and makes the whole file durable and checkpointed. If that fails
     * (a full file system), the log is left unsealed and writable, as {@link #unseal} leaves it.
     */
    public void appendSeal(String baseTag) throws IOException {
        byte[] tag = baseTag.getBytes(StandardCharsets.UTF_8);
        if (tag.length > MAX_TAG_BYTES) {
            throw new IllegalArgumentException("base tag longer than " + MAX_TAG_BYTES + " bytes");
        }
        long at = tail;
        try {
            appendPlain(TYPE_SEAL, size, 0, ByteBuffer.wrap(tag));
            checkpoint();
        } catch (IOException | RuntimeException e) {
            // written but not made durable: appends after it would follow a seal on disk
            if (tail > at) {
                try {
                    cutBack(at);
                } catch (IOException | RuntimeException again) {
                    e.addSuppressed(again);
                }
            }
            throw e;
        }
        sealTag = baseTag;
        sealedAt = at;
    }

    /**
     * Takes the seal back, for a journal that could not start the next log (no room for it):
     * this one stays the active log, writable, with its seal record gone from disk.
     */
    public void unseal() throws IOException {
        if (sealTag == null) {
            throw new IllegalStateException("generation " + sequence + " is not sealed");
        }
        cutBack(sealedAt);
        sealTag = null;
        sealedAt = -1;
    }

    /**
     * Drops the last record, which starts at {@code at}: what precedes it is forced, both
     * checkpoint slots go back to {@code at} (recovery takes the larger valid slot) and only
     * then is its header zeroed. A crash at any point finds the record either whole past the
     * checkpoint, so it stands, or gone; the next append overwrites it.
     */
    private void cutBack(long at) throws IOException {
        forceData();
        writeSlot(at);
        writeSlot(at);
        forceData();
        write(ByteBuffer.allocate(RECORD_HEADER_SIZE), at);
        forceData();
        tail = at;
        forcedLength = at;
    }

    private void appendPlain(byte type, long arg, int count, ByteBuffer payload)
        throws IOException {
        checkWritable();
        int length = payload == null ? 0 : payload.remaining();
        ByteBuffer rec = ByteBuffer.allocate(RECORD_HEADER_SIZE + length);
        recordHeader(rec, 0, type, length, sequence, arg, count, payload);
        if (payload != null) {
            rec.put(RECORD_HEADER_SIZE, payload, payload.position(), length);
        }
        write(rec, tail);
        tail += rec.capacity();
    }

    void applyData(long firstBlock, int count, long payloadPosition) {
        index.put(firstBlock, count, payloadPosition);
    }

    void applyZero(long firstBlock, int count) {
        index.put(firstBlock, count, BlockIndex.ZERO);
    }

    void applyResize(long newSize) {
        if (newSize < size) {
            index.removeFrom((newSize + blockSize - 1) / blockSize);
        }
        size = newSize;
        minSize = Math.min(minSize, newSize);
    }

    void markSealed(String tag) {
        sealTag = tag;
    }

    /** Reads payload bytes at an absolute file position into {@code dst} (fully). */
    public void readPayload(long position, ByteBuffer dst) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) {
                throw new EOFException(path + ": payload at " + position + " past end of file");
            }
            position += n;
        }
    }

    /**
     * Makes everything appended so far durable (one fdatasync). The checkpoint slot written
     * alongside records the length durable after the previous force, never this one's, so a
     * crash in the middle of this fdatasync cannot make a torn record look like damage.
     */
    public void force() throws IOException {
        long target = tail;
        if (target == forcedLength) {
            return;
        }
        if (forcedLength != checkpointed) {
            writeSlot(forcedLength);
        }
        forceData();
        forcedLength = target;
    }

    /** Forces the data, then records the full length as checkpoint and forces that. */
    public void checkpoint() throws IOException {
        force();
        if (checkpointed != tail) {
            writeSlot(tail);
            forceData();
        }
    }

    private void writeSlot(long length) throws IOException {
        write(slot(sequence, length), SLOT0_OFFSET + nextSlot * SLOT_SIZE);
        nextSlot ^= 1;
        checkpointed = length;
    }

    void setTail(long tail) {
        this.tail = tail;
        this.forcedLength = tail;
    }

    void setRecovered(int nextSlot, long checkpointed) {
        this.nextSlot = nextSlot;
        this.checkpointed = checkpointed;
    }

    private void checkWritable() {
        if (sealTag != null) {
            throw new IllegalStateException("generation " + sequence + " is sealed");
        }
    }

    /** Writes all of {@code src} at {@code position} of this log; a failure says where. */
    private void write(ByteBuffer src, long position) throws IOException {
        try {
            writeFully(channel, src, position);
        } catch (IOException e) {
            throw named(e, path + " offset " + position);
        }
    }

    /** fdatasync, where the journal syncs at all; a failure names the log. */
    private void forceData() throws IOException {
        if (!sync) {
            return;
        }
        try {
            channel.force(false);
        } catch (IOException e) {
            throw named(e, path);
        }
    }

    /**
     * {@code e} with {@code where} in front of its message: the JDK's says only what failed
     * ("No space left on device"), which a user must be told together with the file.
     */
    private static IOException named(IOException e, Object where) {
        return new IOException(where + ": " + e.getMessage(), e);
    }

    static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
        while (src.hasRemaining()) {
            position += ch.write(src, position);
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            try {
                channel.close();
            } finally {
                index.close();
            }
        }
    }

    /** Closes and deletes the file; the caller forces the directory. */
    public void closeAndDelete() throws IOException {
        close();
        Files.deleteIfExists(path);
    }
}
