package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The self-describing record an arena holds for each block, so that the index can always be
 * rebuilt from the arenas alone.
 *
 * <pre>
 * | offset | size   | field                                                        |
 * |--------|--------|--------------------------------------------------------------|
 * | 0      | 4      | magic 0x5644424B ("VDBK")                                    |
 * | 4      | 1      | Venti disk block type                                        |
 * | 5      | 1      | compression: 0 none, 1 LZ4 block                             |
 * | 6      | 2      | reserved, zero                                               |
 * | 8      | 20     | score: SHA-1 of the uncompressed, zero-truncated block       |
 * | 28     | 4      | length of the uncompressed block                             |
 * | 32     | 4      | stored length of the payload that follows                    |
 * | 36     | 4      | CRC32C of bytes 0..35                                        |
 * | 40     | stored | payload                                                      |
 * </pre>
 *
 * The payload has no checksum of its own: the score verifies it. Immutable, thread-safe.
 */
public record ArenaRecord(int diskType, int compression, Score score, int length, int stored) {
    public static final int MAGIC = 0x5644424B;
    public static final int HEADER_SIZE = 40;

    public static final int MAGIC_OFFSET = 0;
    public static final int TYPE_OFFSET = MAGIC_OFFSET + 4;
    public static final int COMPRESSION_OFFSET = TYPE_OFFSET + 1;
    public static final int RESERVED_OFFSET = COMPRESSION_OFFSET + 1;
    public static final int SCORE_OFFSET = RESERVED_OFFSET + 2;
    public static final int LENGTH_OFFSET = SCORE_OFFSET + Score.SIZE;
    public static final int STORED_OFFSET = LENGTH_OFFSET + 4;
    public static final int CRC_OFFSET = STORED_OFFSET + 4;

    public static final int COMPRESSION_NONE = 0;
    public static final int COMPRESSION_LZ4 = 1;

    /** Largest block length a record may claim; anything larger is damage. */
    public static final int MAX_LENGTH = 1 << 24;

    public int totalSize() {
        return HEADER_SIZE + stored;
    }

    public void writeHeader(ByteBuffer dst) {
        int start = dst.position();
        dst.putInt(MAGIC).put((byte) diskType).put((byte) compression).putShort((short) 0);
        score.writeTo(dst);
        dst.putInt(length).putInt(stored);
        dst.putInt(crc(dst, start));
    }

    /**
     * Parses a header at the buffer's position (advancing it by {@link #HEADER_SIZE}).
     *
     * @return the record, or null with {@code why[0]} set when the bytes are not a valid header
     */
    public static ArenaRecord readHeader(ByteBuffer src, String[] why) {
        int start = src.position();
        if (src.remaining() < HEADER_SIZE) {
            why[0] = "short header (" + src.remaining() + " bytes)";
            return null;
        }
        int magic = src.getInt(start + MAGIC_OFFSET);
        if (magic != MAGIC) {
            why[0] = "bad record magic " + Integer.toHexString(magic);
            return null;
        }
        int crc = src.getInt(start + CRC_OFFSET);
        if (crc != crc(src, start)) {
            why[0] = "record header checksum mismatch";
            return null;
        }
        int type = src.get(start + TYPE_OFFSET) & 0xff;
        int comp = src.get(start + COMPRESSION_OFFSET) & 0xff;
        Score score = Score.read(src, start + SCORE_OFFSET);
        int length = src.getInt(start + LENGTH_OFFSET);
        int stored = src.getInt(start + STORED_OFFSET);
        src.position(start + HEADER_SIZE);
        if (comp > COMPRESSION_LZ4) {
            why[0] = "unknown compression " + comp;
            return null;
        }
        if (length <= 0 || length > MAX_LENGTH || stored <= 0 || stored > MAX_LENGTH
            || comp == COMPRESSION_NONE && stored != length) {
            why[0] = "impossible lengths " + length + "/" + stored;
            return null;
        }
        return new ArenaRecord(type, comp, score, length, stored);
    }

    private static int crc(ByteBuffer b, int start) {
        CRC32C c = new CRC32C();
        ByteBuffer d = b.duplicate();
        d.position(start).limit(start + CRC_OFFSET);
        c.update(d);
        return (int) c.getValue();
    }
}
