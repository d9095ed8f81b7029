package io.vdisk.journal.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The layout of a generation log file, {@code gen-<16 hex digits sequence>.log}: a header, then
 * records appended one after another. All integers big-endian.
 *
 * <p>
 * <b>File header</b> ({@value #HEADER_SIZE} bytes):
 * <table>
 * <tr><th>offset</th><th>size</th><th>field</th></tr>
 * <tr><td>0</td><td>4</td><td>magic {@code "VJNL"} (0x564A4E4C)</td></tr>
 * <tr><td>4</td><td>2</td><td>version, {@value #VERSION}</td></tr>
 * <tr><td>6</td><td>2</td><td>reserved, 0</td></tr>
 * <tr><td>8</td><td>4</td><td>block size</td></tr>
 * <tr><td>12</td><td>8</td><td>generation sequence</td></tr>
 * <tr><td>20</td><td>8</td><td>start size: image size when the generation began</td></tr>
 * <tr><td>28</td><td>4</td><td>CRC32C of bytes 0..27</td></tr>
 * <tr><td>32</td><td>16</td><td>checkpoint slot 0: length (8), CRC32C of sequence+length (4),
 * reserved (4)</td></tr>
 * <tr><td>48</td><td>16</td><td>checkpoint slot 1, same shape</td></tr>
 * </table>
 * A checkpoint is a file length known durable: every record before it must be intact, so damage
 * there is corruption, while a bad record past it is a torn tail and is cut off. Flushes write the
 * slots alternately (a torn slot write leaves the other one); recovery takes the larger valid one.
 *
 * <p>
 * <b>Record</b> ({@value #RECORD_HEADER_SIZE}-byte header, then the payload):
 * <table>
 * <tr><th>offset</th><th>size</th><th>field</th></tr>
 * <tr><td>0</td><td>2</td><td>record magic 0x4A52</td></tr>
 * <tr><td>2</td><td>1</td><td>type: 1 DATA, 2 ZERO, 3 RESIZE, 4 SEAL</td></tr>
 * <tr><td>3</td><td>1</td><td>reserved, 0</td></tr>
 * <tr><td>4</td><td>4</td><td>payload length</td></tr>
 * <tr><td>8</td><td>8</td><td>generation sequence (must equal the header's)</td></tr>
 * <tr><td>16</td><td>8</td><td>arg: first block (DATA, ZERO), new size (RESIZE), final size
 * (SEAL)</td></tr>
 * <tr><td>24</td><td>4</td><td>count: blocks (DATA, ZERO), else 0</td></tr>
 * <tr><td>28</td><td>4</td><td>CRC32C of bytes 0..27 and the payload</td></tr>
 * </table>
 * DATA payload is {@code count} whole blocks; ZERO and RESIZE have none; SEAL's payload is the
 * UTF-8 base tag (at most {@value #MAX_TAG_BYTES} bytes) and is the generation's last record.
 *
 * <p>
 * <b>Recycled files.</b> A released log is kept as a spare, {@code spare-<16 hex digits>.log}
 * (named after the last generation it held), and reused by the next generation so that appends
 * overwrite allocated blocks instead of allocating new ones (see {@link JournalDirectory}). Only
 * the header is rewritten, so past the valid records the file holds older generations' bytes and
 * its length says nothing about its tail. Those bytes never validate: a record's CRC covers its
 * sequence, which must equal the header's; a slot's CRC covers sequence and length; and a new
 * sequence is larger than every sequence named in the directory, spares included, so no stale
 * record can carry it. Recovery therefore sees them as a torn tail.
 *
 * <p>
 * Stateless; thread-safe.
 */
public final class LogFormat {
    public static final int MAGIC = 0x564A4E4C;
    public static final short VERSION = 1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + 4;
    public static final int BLOCK_SIZE_OFFSET = VERSION_OFFSET + 4;
    public static final int SEQUENCE_OFFSET = BLOCK_SIZE_OFFSET + 4;
    public static final int START_SIZE_OFFSET = SEQUENCE_OFFSET + 8;
    public static final int HEADER_CRC_OFFSET = START_SIZE_OFFSET + 8;
    public static final int SLOT0_OFFSET = HEADER_CRC_OFFSET + 4;
    public static final int SLOT_SIZE = 16;
    public static final int HEADER_SIZE = SLOT0_OFFSET + 2 * SLOT_SIZE;

    public static final short RECORD_MAGIC = 0x4A52;
    public static final int REC_MAGIC_OFFSET = 0;
    public static final int REC_TYPE_OFFSET = REC_MAGIC_OFFSET + 2;
    public static final int REC_LENGTH_OFFSET = REC_TYPE_OFFSET + 2;
    public static final int REC_SEQUENCE_OFFSET = REC_LENGTH_OFFSET + 4;
    public static final int REC_ARG_OFFSET = REC_SEQUENCE_OFFSET + 8;
    public static final int REC_COUNT_OFFSET = REC_ARG_OFFSET + 8;
    public static final int REC_CRC_OFFSET = REC_COUNT_OFFSET + 4;
    public static final int RECORD_HEADER_SIZE = REC_CRC_OFFSET + 4;

    public static final byte TYPE_DATA = 1;
    public static final byte TYPE_ZERO = 2;
    public static final byte TYPE_RESIZE = 3;
    public static final byte TYPE_SEAL = 4;

    public static final int MAX_TAG_BYTES = 1024;
    /** Largest DATA payload of one record; bigger writes become several records. */
    public static final int MAX_DATA_PAYLOAD = 1 << 20;

    private static final String LOG_PREFIX = "gen-";
    private static final String SPARE_PREFIX = "spare-";
    private static final String SUFFIX = ".log";

    private LogFormat() {
    }

    public static String fileName(long sequence) {
        return String.format(LOG_PREFIX + "%016x" + SUFFIX, sequence);
    }

    /** Sequence parsed from a log file name, or -1 if the name is not one. */
    public static long parseFileName(String name) {
        return parse(name, LOG_PREFIX);
    }

    /** Name of a spare (a released log kept for reuse) last used by generation {@code sequence}. */
    public static String spareFileName(long sequence) {
        return String.format(SPARE_PREFIX + "%016x" + SUFFIX, sequence);
    }

    /** Sequence parsed from a spare's file name, or -1 if the name is not one. */
    public static long parseSpareFileName(String name) {
        return parse(name, SPARE_PREFIX);
    }

    private static long parse(String name, String prefix) {
        int p = prefix.length();
        if (name.length() != p + 16 + SUFFIX.length() || !name.startsWith(prefix)
            || !name.endsWith(SUFFIX)) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(name.substring(p, p + 16), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static ByteBuffer header(int blockSize, long sequence, long startSize) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE);
        b.putInt(MAGIC_OFFSET, MAGIC).putShort(VERSION_OFFSET, VERSION);
        b.putInt(BLOCK_SIZE_OFFSET, blockSize).putLong(SEQUENCE_OFFSET, sequence);
        b.putLong(START_SIZE_OFFSET, startSize);
        b.putInt(HEADER_CRC_OFFSET, crc(b, 0, HEADER_CRC_OFFSET));
        return b;
    }

    static ByteBuffer slot(long sequence, long length) {
        ByteBuffer b = ByteBuffer.allocate(SLOT_SIZE);
        b.putLong(0, length).putInt(8, slotCrc(sequence, length));
        return b;
    }

    static int slotCrc(long sequence, long length) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(0, sequence).putLong(8, length);
        return crc(b, 0, 16);
    }

    /** Writes a record header at {@code at}; the CRC covers it and {@code payload}. */
    static void recordHeader(ByteBuffer dst, int at, byte type, int length, long sequence,
        long arg, int count, ByteBuffer payload) {
        recordHeader(dst, at, type, length, sequence, arg, count,
            payload == null ? new ByteBuffer[0] : new ByteBuffer[]{payload});
    }

    /** As above, the payload being the bytes of {@code payload}'s buffers, in order. */
    static void recordHeader(ByteBuffer dst, int at, byte type, int length, long sequence,
        long arg, int count, ByteBuffer[] payload) {
        dst.putShort(at + REC_MAGIC_OFFSET, RECORD_MAGIC).put(at + REC_TYPE_OFFSET, type);
        dst.put(at + REC_TYPE_OFFSET + 1, (byte) 0).putInt(at + REC_LENGTH_OFFSET, length);
        dst.putLong(at + REC_SEQUENCE_OFFSET, sequence).putLong(at + REC_ARG_OFFSET, arg);
        dst.putInt(at + REC_COUNT_OFFSET, count);
        CRC32C c = new CRC32C();
        c.update(dst.duplicate().position(at).limit(at + REC_CRC_OFFSET));
        for (ByteBuffer b : payload)
            c.update(b.duplicate());
        dst.putInt(at + REC_CRC_OFFSET, (int) c.getValue());
    }

    static int crc(ByteBuffer b, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(b.duplicate().position(from).limit(to));
        return (int) c.getValue();
    }
}
