package io.vdisk.venti.internal;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import io.vdisk.venti.Score;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The arena record for a run of blocks stored together: the first bytes of their scores and
 * their lengths, then their bytes back to back as one zstd frame. Compressed one by one, the
 * 4 KiB blocks of an ext4 image of /usr/share took 260 MB with zstd (level 1) and 327 MB with
 * LZ4; in frames of 256 KiB they took 223 MB (level 3).
 *
 * <pre>
 * | offset   | size   | field                                                 |
 * |----------|--------|-------------------------------------------------------|
 * | 0        | 4      | magic 0x56444653 ("VDFS")                             |
 * | 4        | 1      | Venti disk block type of every block                  |
 * | 5        | 1      | compression: 0 none, 2 zstd                           |
 * | 6        | 2      | number of blocks n, 1 to 255                          |
 * | 8        | 4      | length of the blocks together, uncompressed           |
 * | 12       | 4      | stored length of the payload                          |
 * | 16       | 4      | CRC32C of the table                                   |
 * | 20       | 4      | CRC32C of bytes 0..19                                 |
 * | 24       | 8 n    | table: per block, its score's first 4 bytes and its   |
 * |          |        | length (4)                                            |
 * | 24+8 n   | stored | payload: the blocks in table order, one zstd frame    |
 * </pre>
 *
 * Lengths are of the zero-truncated blocks. A block is named by its score, the SHA-1 of its
 * bytes, which the reader always holds (the index gave it the address) and checks once the
 * block is decompressed, so the table keeps only enough of each score to find a block among its
 * neighbours: whole scores took 3.3 of the 230 MB that image's arena took, a third of what a
 * faster zstd strategy cost in bytes. A walk over the arena without the index (a rebuild,
 * {@code verify}) hashes each block, as it did to verify it anyway, and a block whose hash does
 * not start with the table's bytes is damaged. The payload has no checksum of its own.
 *
 * <p>Frames written before this format, magic 0x56444652 ("VDFR"), keep each block's whole score
 * (20 bytes) where this one keeps 4, and are read as before: only the first 4 bytes are used.
 *
 * <p>The index names a block by the record's address and the block's slot in the table.
 * Immutable, thread-safe; the codec keeps one zstd context per thread.
 */
public final class FrameRecord {
    public static final int MAGIC = 0x56444653;
    /** Frames whose table holds whole scores, 24 bytes an entry. */
    public static final int FULL_SCORE_MAGIC = 0x56444652;
    public static final int HEADER_SIZE = 24;
    /** Bytes of each score a table keeps. */
    public static final int PREFIX_SIZE = 4;
    public static final int ENTRY_SIZE = PREFIX_SIZE + 4;
    private static final int FULL_SCORE_ENTRY_SIZE = Score.SIZE + 4;

    public static final int MAGIC_OFFSET = 0;
    public static final int TYPE_OFFSET = MAGIC_OFFSET + 4;
    public static final int COMPRESSION_OFFSET = TYPE_OFFSET + 1;
    public static final int COUNT_OFFSET = COMPRESSION_OFFSET + 1;
    public static final int LENGTH_OFFSET = COUNT_OFFSET + 2;
    public static final int STORED_OFFSET = LENGTH_OFFSET + 4;
    public static final int TABLE_CRC_OFFSET = STORED_OFFSET + 4;
    public static final int CRC_OFFSET = TABLE_CRC_OFFSET + 4;

    public static final int COMPRESSION_NONE = 0;
    public static final int COMPRESSION_ZSTD = 2;

    /** Most blocks in a frame: the index keeps a block's slot in 8 bits. */
    public static final int MAX_BLOCKS = 255;
    /** Uncompressed bytes a writer gathers into one frame before it starts the next. */
    public static final int TARGET_BYTES = 256 << 10;
    /** Largest uncompressed length a frame may claim; anything larger is damage. */
    public static final int MAX_LENGTH = 1 << 24;
    /**
     * zstd's fast strategy (level 1's) with a match table of 2^17 entries and a minimum match of
     * 6 bytes. On the 542 MB of distinct, zero-truncated blocks of the /usr/share image, in
     * 256 KiB frames, one core (best of 4):
     *
     * <pre>
     * | settings                                     | stored    | speed        |
     * |----------------------------------------------|-----------|--------------|
     * | level 1                                      | 230.1 MB  | 420-447 MB/s |
     * | level 2                                      | 224.4 MB  | 360-412 MB/s |
     * | level 3                                      | 222.2 MB  | 319-356 MB/s |
     * | level 3, minimum match 5, long table 2^17    | 222.0 MB  | 334-393 MB/s |
     * | fast, table 2^17, minimum match 6 (these)    | 227.2 MB  | 422-439 MB/s |
     * | fast, table 2^17, minimum match 7            | 231.1 MB  | 477 MB/s     |
     * </pre>
     *
     * zstd is most of an import's CPU time, and level 3's dfast strategy spent a quarter more of
     * it than this for 2.3% fewer bytes; the table's shorter scores (above) won back half of
     * those. restic stored the image in 237-244 MB, all told.
     */
    private static final ThreadLocal<ZstdCompressCtx> COMPRESSOR = ThreadLocal.withInitial(
        () -> new ZstdCompressCtx().setLevel(1).setStrategy(1 /* fast */).setWindowLog(18)
            .setHashLog(17).setMinMatch(6));
    private static final ThreadLocal<ZstdDecompressCtx> DECOMPRESSOR = ThreadLocal.withInitial(
        ZstdDecompressCtx::new);

    private final int diskType;
    private final int compression;
    /** Each block's score's first 4 bytes, big-endian. */
    private final int[] prefixes;
    /** Bytes per table entry: {@link #ENTRY_SIZE}, or more in frames of the older format. */
    private final int entrySize;
    /** starts[i]: where block i begins in the uncompressed payload; starts[n] is its length. */
    private final int[] starts;
    private final int stored;

    private FrameRecord(int diskType, int compression, int[] prefixes, int entrySize,
        int[] starts, int stored) {
        this.diskType = diskType;
        this.compression = compression;
        this.prefixes = prefixes;
        this.entrySize = entrySize;
        this.starts = starts;
        this.stored = stored;
    }

    public int diskType() {
        return diskType;
    }

    public int compression() {
        return compression;
    }

    public int count() {
        return prefixes.length;
    }

    /** Whether slot {@code slot} may hold {@code s}: its bytes, hashed, decide. */
    public boolean mayHold(int slot, Score s) {
        return prefixes[slot] == s.word(0);
    }

    /** The first 4 bytes of the score of the block in {@code slot}, in hex, for messages. */
    public String prefixHex(int slot) {
        return String.format("%08x", prefixes[slot]);
    }

    /** Where block {@code slot} begins in the uncompressed payload. */
    public int blockOffset(int slot) {
        return starts[slot];
    }

    public int blockLength(int slot) {
        return starts[slot + 1] - starts[slot];
    }

    /** The blocks' length together, uncompressed. */
    public int length() {
        return starts[prefixes.length];
    }

    public int stored() {
        return stored;
    }

    /** Header and table: where the payload starts. */
    public int headerSize() {
        return HEADER_SIZE + prefixes.length * entrySize;
    }

    public int totalSize() {
        return headerSize() + stored;
    }

    /** The first slot at or after {@code from} that {@link #mayHold} {@code s}, or -1. */
    public int slotOf(Score s, int from) {
        int want = s.word(0);
        for (int i = from; i < prefixes.length; i++) {
            if (prefixes[i] == want) return i;
        }
        return -1;
    }

    /** Loads the zstd library; see {@code Preload}. */
    public static void preload() {
        COMPRESSOR.get();
    }

    /** The size of the header and table of a frame of {@code blocks} blocks, as written now. */
    public static int headerSize(int blocks) {
        return HEADER_SIZE + blocks * ENTRY_SIZE;
    }

    private static int entrySize(int magic) {
        return magic == MAGIC ? ENTRY_SIZE : FULL_SCORE_ENTRY_SIZE;
    }

    /** Room {@link #encode} needs for {@code blocks} blocks of {@code bytes} in all. */
    public static int maxSize(int blocks, int bytes) {
        return headerSize(blocks) + (int) com.github.luben.zstd.Zstd.compressBound(bytes);
    }

    /** Whether the bytes at {@code src[at]} start a frame record (rather than a single block's). */
    public static boolean startsAt(ByteBuffer src, int at) {
        if (src.limit() - at < 4) return false;
        int magic = src.getInt(at);
        return magic == MAGIC || magic == FULL_SCORE_MAGIC;
    }

    /**
     * The size of the header and table of the frame whose fixed header is at {@code src[at]}, so
     * a reader knows how much to fetch before {@link #read}; or -1 when the fixed header is not
     * there whole.
     */
    public static int headerSizeAt(ByteBuffer src, int at) {
        if (src.limit() - at < HEADER_SIZE) return -1;
        return HEADER_SIZE + Short.toUnsignedInt(src.getShort(at + COUNT_OFFSET))
            * entrySize(src.getInt(at));
    }

    /**
     * Parses the header and table at the buffer's position, advancing it to the payload.
     *
     * @return the record, or null with {@code why[0]} set when the bytes are not a valid header
     */
    public static FrameRecord read(ByteBuffer src, String[] why) {
        int start = src.position();
        if (src.remaining() < HEADER_SIZE) {
            why[0] = "short frame header (" + src.remaining() + " bytes)";
            return null;
        }
        int magic = src.getInt(start + MAGIC_OFFSET);
        if (magic != MAGIC && magic != FULL_SCORE_MAGIC) {
            why[0] = "bad frame magic " + Integer.toHexString(magic);
            return null;
        }
        int entrySize = entrySize(magic);
        if (src.getInt(start + CRC_OFFSET) != crc(src, start, CRC_OFFSET)) {
            why[0] = "frame header checksum mismatch";
            return null;
        }
        int type = src.get(start + TYPE_OFFSET) & 0xff;
        int comp = src.get(start + COMPRESSION_OFFSET) & 0xff;
        int n = Short.toUnsignedInt(src.getShort(start + COUNT_OFFSET));
        int length = src.getInt(start + LENGTH_OFFSET);
        int stored = src.getInt(start + STORED_OFFSET);
        if (comp != COMPRESSION_NONE && comp != COMPRESSION_ZSTD) {
            why[0] = "unknown frame compression " + comp;
            return null;
        }
        if (n < 1 || n > MAX_BLOCKS || length <= 0 || length > MAX_LENGTH || stored <= 0
            || stored > MAX_LENGTH || comp == COMPRESSION_NONE && stored != length) {
            why[0] = "impossible frame of " + n + " blocks, lengths " + length + "/" + stored;
            return null;
        }
        int headerSize = HEADER_SIZE + n * entrySize;
        if (src.remaining() < headerSize) {
            why[0] = "short frame table (" + src.remaining() + " of " + headerSize + " bytes)";
            return null;
        }
        int tableAt = start + HEADER_SIZE;
        if (src.getInt(start + TABLE_CRC_OFFSET) != crc(src, tableAt, n * entrySize)) {
            why[0] = "frame table checksum mismatch";
            return null;
        }
        int[] prefixes = new int[n];
        int[] starts = new int[n + 1];
        for (int i = 0; i < n; i++) {
            int at = tableAt + i * entrySize;
            prefixes[i] = src.getInt(at);
            int l = src.getInt(at + entrySize - 4);
            if (l <= 0 || l > length - starts[i]) {
                why[0] = "frame table: block " + i + " claims " + l + " bytes";
                return null;
            }
            starts[i + 1] = starts[i] + l;
        }
        if (starts[n] != length) {
            why[0] = "frame table sums to " + starts[n] + " bytes, header says " + length;
            return null;
        }
        src.position(start + headerSize);
        return new FrameRecord(type, comp, prefixes, entrySize, starts, stored);
    }

    /**
     * Writes a frame of blocks {@code first} to {@code first + n - 1} at {@code dst[pos]}: header,
     * table, then the blocks compressed, or as they are if zstd does not make them smaller. Block
     * {@code i} is {@code src[offsets[i], offsets[i] + lengths[i])}; when they lie back to back
     * they are compressed in place, otherwise gathered into {@code gather} first.
     *
     * @param dst room for {@link #maxSize} bytes from {@code pos}
     * @param gather room for the blocks' bytes together
     */
    public static FrameRecord encode(int diskType, Score[] blockScores, int[] offsets,
        int[] lengths, int first, int n, byte[] src, byte[] gather, byte[] dst, int pos) {
        int[] prefixes = new int[n];
        int[] starts = new int[n + 1];
        boolean inPlace = true;
        for (int i = 0; i < n; i++) {
            prefixes[i] = blockScores[first + i].word(0);
            starts[i + 1] = starts[i] + lengths[first + i];
            inPlace &= offsets[first + i] == offsets[first] + starts[i];
        }
        int length = starts[n];
        byte[] from = src;
        int fromOff = offsets[first];
        if (!inPlace) {
            for (int i = 0; i < n; i++)
                System.arraycopy(src, offsets[first + i], gather, starts[i], lengths[first + i]);
            from = gather;
            fromOff = 0;
        }
        int payload = pos + headerSize(n);
        int room = dst.length - payload;
        int stored = COMPRESSOR.get().compressByteArray(dst, payload, room, from, fromOff, length);
        int comp = COMPRESSION_ZSTD;
        if (stored >= length) {
            System.arraycopy(from, fromOff, dst, payload, length);
            stored = length;
            comp = COMPRESSION_NONE;
        }
        FrameRecord f = new FrameRecord(diskType, comp, prefixes, ENTRY_SIZE, starts, stored);
        f.writeHeader(dst, pos);
        return f;
    }

    /**
     * Plain stores into the array, not a ByteBuffer's: a method called once a frame reaches C2
     * late in an import, and compiling the buffer version (with encode) took 62 ms of CPU.
     */
    private void writeHeader(byte[] dst, int at) {
        int n = prefixes.length;
        putInt(dst, at + MAGIC_OFFSET, MAGIC);
        dst[at + TYPE_OFFSET] = (byte) diskType;
        dst[at + COMPRESSION_OFFSET] = (byte) compression;
        dst[at + COUNT_OFFSET] = (byte) (n >>> 8);
        dst[at + COUNT_OFFSET + 1] = (byte) n;
        putInt(dst, at + LENGTH_OFFSET, length());
        putInt(dst, at + STORED_OFFSET, stored);
        for (int i = 0, e = at + HEADER_SIZE; i < n; i++, e += ENTRY_SIZE) {
            putInt(dst, e, prefixes[i]);
            putInt(dst, e + PREFIX_SIZE, starts[i + 1] - starts[i]);
        }
        putInt(dst, at + TABLE_CRC_OFFSET, crc(dst, at + HEADER_SIZE, n * ENTRY_SIZE));
        putInt(dst, at + CRC_OFFSET, crc(dst, at, CRC_OFFSET));
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static int crc(byte[] b, int from, int length) {
        CRC32C c = new CRC32C();
        c.update(b, from, length);
        return (int) c.getValue();
    }

    /**
     * Decompresses (or copies) the payload, {@code src} from its position (a direct buffer),
     * into {@code dst} from 0.
     *
     * @return null, or why the payload is damaged
     */
    public String decode(ByteBuffer src, byte[] dst) {
        if (src.remaining() < stored)
            return "payload is truncated (" + src.remaining() + " of "
                + stored + " bytes)";
        if (compression == COMPRESSION_NONE) {
            src.get(src.position(), dst, 0, stored);
            return null;
        }
        try {
            int got = DECOMPRESSOR.get().decompressDirectByteBufferToByteArray(dst, 0, length(),
                src, src.position(), stored);
            return got == length()
                ? null
                : "payload decompresses to " + got + " bytes where the header says " + length();
        } catch (ZstdException e) {
            return "payload does not decompress: " + e.getMessage();
        }
    }

    /**
     * Decompresses only the start of the payload ({@code src} from its position, direct) into
     * {@code dst} (direct), up to its limit: a zstd frame is decoded in blocks of up to 128 KiB,
     * so the first block of a 256 KiB frame costs about a third of the whole frame.
     *
     * @return null, or why the payload is damaged
     */
    public String decodePrefix(ByteBuffer src, ByteBuffer dst) {
        if (src.remaining() < stored)
            return "payload is truncated (" + src.remaining() + " of "
                + stored + " bytes)";
        int want = dst.remaining();
        ByteBuffer in = src.duplicate().limit(src.position() + stored);
        if (compression == COMPRESSION_NONE) {
            dst.put(dst.position(), in, in.position(), want);
            return null;
        }
        ZstdDecompressCtx ctx = DECOMPRESSOR.get();
        ByteBuffer out = dst.duplicate();
        try {
            ctx.reset();
            ctx.decompressDirectByteBufferStream(out, in);
        } catch (ZstdException e) {
            return "payload does not decompress: " + e.getMessage();
        } finally {
            ctx.reset(); // a stream stopped early would carry its state into the next decode
        }
        int got = out.position() - dst.position();
        return got == want
            ? null
            : "payload decompresses to " + got + " bytes where " + want + " were expected";
    }

    private static int crc(ByteBuffer b, int from, int length) {
        CRC32C c = new CRC32C();
        c.update(b.duplicate().limit(from + length).position(from));
        return (int) c.getValue();
    }
}
