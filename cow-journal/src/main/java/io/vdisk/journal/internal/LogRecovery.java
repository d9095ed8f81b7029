package io.vdisk.journal.internal;

import static io.vdisk.journal.internal.LogFormat.*;

import io.vdisk.journal.JournalCorruptException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Reopens a generation log after a restart: checks the header, replays every record into a
 * fresh index and decides where the valid log ends.
 *
 * <p>
 * A record that fails a check before the checkpoint (see {@link LogFormat}) is corruption and
 * raises {@link JournalCorruptException}; past the checkpoint it is the torn tail of writes that
 * were never flushed, and the file is truncated there silently. A record of another generation
 * counts as failing a check: past the checkpoint of a recycled file it is the stale content of
 * an older generation (and anything after a SEAL record is too). A record of this generation
 * whose CRC is right but whose content breaks a rule is corruption wherever it is: neither a
 * torn write nor a recycled file can produce it. The file's length only bounds the scan.
 *
 * <p>
 * Not thread-safe; used once per file by {@code Journal.open}.
 */
public final class LogRecovery {
    private final Path path;
    private final FileChannel channel;
    private final int blockSize;
    private final boolean sync;
    private final ByteBuffer recordHeader = ByteBuffer.allocate(RECORD_HEADER_SIZE);
    private ByteBuffer payload;

    private LogRecovery(Path path, FileChannel channel, int blockSize, boolean sync) {
        this.path = path;
        this.channel = channel;
        this.blockSize = blockSize;
        this.sync = sync;
    }

    /**
     * True if the file is a generation whose creation was interrupted: shorter than a header or
     * a header of zeros. Such a file never held flushed data.
     */
    public static boolean isTornCreation(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < HEADER_SIZE) {
                return true;
            }
            ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE);
            while (h.hasRemaining() && ch.read(h, h.position()) > 0) {
                // read the header fully
            }
            for (int i = 0; i < HEADER_SIZE; i++) {
                if (h.get(i) != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Whether the log may hold a record of its own generation, judged from its first
     * {@value LogFormat#HEADER_SIZE} + {@value LogFormat#RECORD_HEADER_SIZE} bytes: a checkpoint
     * slot valid for the header's sequence and past the header, or a record header there with
     * the record magic and that sequence. False only for a log surely empty: fresh, or a reused
     * spare whose stale bytes cannot carry the new sequence (see {@link LogFormat}). A header
     * that does not parse counts as records, so that {@link #recover}, which reports damage or
     * deletes a torn creation, gets to see the file.
     */
    public static boolean mayHoldRecords(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + RECORD_HEADER_SIZE);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // read what there is, up to the first record's header
            }
        }
        int read = b.position();
        if (read < HEADER_SIZE || b.getInt(MAGIC_OFFSET) != MAGIC
            || b.getInt(HEADER_CRC_OFFSET) != LogFormat.crc(b, 0, HEADER_CRC_OFFSET)) {
            return true;
        }
        long sequence = b.getLong(SEQUENCE_OFFSET);
        for (int slot = 0; slot < 2; slot++) {
            int at = SLOT0_OFFSET + slot * SLOT_SIZE;
            long length = b.getLong(at);
            if (length > HEADER_SIZE && b.getInt(at + 8) == LogFormat.slotCrc(sequence, length))
                return true;
        }
        return read == HEADER_SIZE + RECORD_HEADER_SIZE
            && b.getShort(HEADER_SIZE + REC_MAGIC_OFFSET) == RECORD_MAGIC
            && b.getLong(HEADER_SIZE + REC_SEQUENCE_OFFSET) == sequence;
    }

    /** Opens and replays {@code file}; returns the generation with its index rebuilt. */
    public static GenerationLog recover(Path file, long sequence, int blockSize, boolean sync)
        throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            return new LogRecovery(file, ch, blockSize, sync).run(sequence);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private GenerationLog run(long sequence) throws IOException {
        long fileLength = channel.size();
        ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE);
        readFully(h, 0);
        if (h.getInt(MAGIC_OFFSET) != MAGIC) {
            throw corrupt(0, String.format("bad magic %08x, expected %08x",
                h.getInt(MAGIC_OFFSET), MAGIC));
        }
        if (h.getShort(VERSION_OFFSET) != VERSION) {
            throw corrupt(VERSION_OFFSET, "unsupported version " + h.getShort(VERSION_OFFSET));
        }
        if (h.getInt(HEADER_CRC_OFFSET) != crc(h, 0, HEADER_CRC_OFFSET)) {
            throw corrupt(HEADER_CRC_OFFSET, "header checksum mismatch");
        }
        if (h.getLong(SEQUENCE_OFFSET) != sequence) {
            throw corrupt(SEQUENCE_OFFSET, "sequence " + h.getLong(SEQUENCE_OFFSET)
                + " does not match the file name's " + sequence);
        }
        int fileBlockSize = h.getInt(BLOCK_SIZE_OFFSET);
        if (fileBlockSize != blockSize) {
            throw new IOException(path + ": journal block size is " + fileBlockSize
                + ", options ask for " + blockSize);
        }
        long startSize = h.getLong(START_SIZE_OFFSET);
        if (startSize < 0) {
            throw corrupt(START_SIZE_OFFSET, "negative start size " + startSize);
        }
        long checkpoint = HEADER_SIZE;
        int newestSlot = 1;
        for (int s = 0; s < 2; s++) {
            int at = SLOT0_OFFSET + s * SLOT_SIZE;
            long len = h.getLong(at);
            if (len != 0 && h.getInt(at + 8) == slotCrc(sequence, len) && len > checkpoint) {
                checkpoint = len;
                newestSlot = s;
            }
        }
        if (checkpoint > fileLength) {
            throw corrupt(fileLength, "file ends before its checkpoint " + checkpoint);
        }
        GenerationLog log = new GenerationLog(path, channel, sequence, blockSize, startSize, sync,
            HEADER_SIZE);
        try {
            long end = replay(log, sequence, checkpoint, fileLength);
            if (end < fileLength) {
                channel.truncate(end);
                if (sync) {
                    channel.force(false);
                }
            }
            log.setRecovered(newestSlot ^ 1, checkpoint);
            return log;
        } catch (IOException | RuntimeException e) {
            log.index().close();
            throw e;
        }
    }

    /** Replays records; returns the end of the valid log. */
    private long replay(GenerationLog log, long sequence, long checkpoint, long fileLength)
        throws IOException {
        long pos = HEADER_SIZE;
        while (pos < fileLength) {
            String bad = null;
            boolean ours = false; // the header is this generation's
            int length = 0;
            byte type = 0;
            if (log.isSealed()) {
                bad = "data after the SEAL record"; // past the checkpoint: stale, recycled file
            } else if (fileLength - pos < RECORD_HEADER_SIZE) {
                bad = "record header cut short";
            } else {
                recordHeader.clear();
                readFully(recordHeader, pos);
                type = recordHeader.get(REC_TYPE_OFFSET);
                length = recordHeader.getInt(REC_LENGTH_OFFSET);
                long recordSequence = recordHeader.getLong(REC_SEQUENCE_OFFSET);
                if (recordHeader.getShort(REC_MAGIC_OFFSET) != RECORD_MAGIC) {
                    bad = "bad record magic";
                } else if (length < 0 || length > MAX_DATA_PAYLOAD) {
                    bad = "bad payload length " + length;
                } else if (recordSequence != sequence) {
                    // checked before the CRC so a stale record's payload is not read
                    bad = "record of generation " + recordSequence + " in the file of generation "
                        + sequence;
                } else if (fileLength - pos - RECORD_HEADER_SIZE < length) {
                    bad = "record payload cut short";
                    ours = true;
                } else if (!crcMatches(pos, length)) {
                    bad = "record checksum mismatch";
                    ours = true;
                }
            }
            if (bad != null) {
                if (pos < checkpoint) {
                    throw corrupt(pos, bad + " before the checkpoint at " + checkpoint);
                }
                if (ours) {
                    // This generation's record, not whole: a write the crash cut short, or
                    // damage to one flushed since the last checkpoint, which lags a force.
                    System.getLogger(LogRecovery.class.getName()).log(
                        System.Logger.Level.WARNING, "{0} offset {1}: {2}; dropping the log"
                            + " from there (a write cut short by a crash, or damage)",
                        path, pos, bad);
                }
                return pos; // torn tail, or an older generation's bytes: never flushed in this one
            }
            if (pos + RECORD_HEADER_SIZE + length > checkpoint && pos < checkpoint) {
                throw corrupt(pos, "record crosses the checkpoint at " + checkpoint);
            }
            apply(log, pos, type, length);
            pos += RECORD_HEADER_SIZE + length;
            log.setTail(pos);
        }
        return pos;
    }

    private void apply(GenerationLog log, long pos, byte type, int length) throws IOException {
        ByteBuffer r = recordHeader;
        long arg = r.getLong(REC_ARG_OFFSET);
        int count = r.getInt(REC_COUNT_OFFSET);
        long blocks = (log.size() + blockSize - 1) / blockSize;
        switch (type) {
            case TYPE_DATA -> {
                if (count < 1 || (long) count * blockSize != length) {
                    throw corrupt(pos, "DATA record of " + count + " blocks has " + length
                        + " payload bytes");
                }
                checkBlocks(pos, arg, count, blocks);
                log.applyData(arg, count, pos + RECORD_HEADER_SIZE);
            }
            case TYPE_ZERO -> {
                if (count < 1 || length != 0) {
                    throw corrupt(pos, "ZERO record with count " + count + ", length " + length);
                }
                checkBlocks(pos, arg, count, blocks);
                log.applyZero(arg, count);
            }
            case TYPE_RESIZE -> {
                if (arg < 0 || length != 0 || count != 0) {
                    throw corrupt(pos, "bad RESIZE record (size " + arg + ")");
                }
                log.applyResize(arg);
            }
            case TYPE_SEAL -> {
                if (arg != log.size() || length > MAX_TAG_BYTES || count != 0) {
                    throw corrupt(pos, "SEAL record says size " + arg + ", replay gives "
                        + log.size());
                }
                try {
                    log.markSealed(StandardCharsets.UTF_8.newDecoder()
                        .decode(payload.duplicate().flip()).toString());
                } catch (CharacterCodingException e) {
                    throw corrupt(pos, "SEAL record's base tag is not UTF-8");
                }
            }
            default -> throw corrupt(pos, "unknown record type " + type);
        }
    }

    private void checkBlocks(long pos, long first, int count, long blocks) throws IOException {
        if (first < 0 || first + count > blocks) {
            throw corrupt(pos, "blocks " + first + "+" + count + " past the image's " + blocks);
        }
    }

    private boolean crcMatches(long pos, int length) throws IOException {
        if (payload == null || payload.capacity() < length) {
            payload = ByteBuffer.allocateDirect(Math.max(length, blockSize));
        }
        payload.clear().limit(length);
        readFully(payload, pos + RECORD_HEADER_SIZE);
        CRC32C c = new CRC32C();
        c.update(recordHeader.duplicate().position(0).limit(REC_CRC_OFFSET));
        c.update(payload.duplicate().flip());
        return (int) c.getValue() == recordHeader.getInt(REC_CRC_OFFSET);
    }

    private void readFully(ByteBuffer dst, long position) throws IOException {
        while (dst.hasRemaining()) {
            int n = channel.read(dst, position);
            if (n < 0) {
                throw corrupt(position, "unexpected end of file");
            }
            position += n;
        }
    }

    private JournalCorruptException corrupt(long offset, String what) {
        return new JournalCorruptException(path, offset, what);
    }
}
