package io.vdisk.image;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The metadata stream of an image: entry 0 of the image's directory block. Big-endian, version 1.
 * Immutable, thread-safe.
 *
 * <pre>
 * | offset     | size   | field                                                        |
 * |------------|--------|--------------------------------------------------------------|
 * | 0          | 4      | magic 0x5644494d ("VDIM")                                     |
 * | 4          | 2      | version, 1                                                   |
 * | 6          | 2      | flags: 0x1 snapshot (clear for a "working" flush root)       |
 * | 8          | 8      | disk size in bytes                                           |
 * | 16         | 8      | time the root was made, ms since the epoch                   |
 * | 24         | 1      | kind: 1 import, 2 flush, 3 scheduled, 4 manual, 5 rollback    |
 * | 25         | 3      | zero                                                         |
 * | 28         | 8      | changed data blocks since the previous root                  |
 * | 36         | 4      | n: number of extents                                         |
 * | 40         | 2      | m: message length in bytes (UTF-8, at most 4096)             |
 * | 42         | m      | message                                                      |
 * | 42+m       | 24 * n | extents, sorted by disk offset, see below                    |
 * </pre>
 *
 * Extent record (24 bytes): disk offset (8), length (8), directory entry index (4, at least 1),
 * content code (1, {@link Content}), partition number (1, 0 outside partitions), zero (2). The
 * extents cover {@code [0, disk size)} without gaps or overlaps, and each names a different entry
 * whose stream is exactly as long as the extent.
 */
public record ImageMeta(long size, long timeMillis, Kind kind, boolean snapshot, long changedBlocks,
    String message, List<Extent> extents) {

    public static final int MAGIC = 0x5644494d;
    public static final int VERSION = 1;
    public static final int MAX_MESSAGE = 4096;
    public static final int FLAG_SNAPSHOT = 0x1;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + 4;
    public static final int FLAGS_OFFSET = VERSION_OFFSET + 2;
    public static final int SIZE_OFFSET = FLAGS_OFFSET + 2;
    public static final int TIME_OFFSET = SIZE_OFFSET + 8;
    public static final int KIND_OFFSET = TIME_OFFSET + 8;
    public static final int RESERVED_OFFSET = KIND_OFFSET + 1;
    public static final int CHANGED_OFFSET = RESERVED_OFFSET + 3;
    public static final int EXTENT_COUNT_OFFSET = CHANGED_OFFSET + 8;
    public static final int MESSAGE_LENGTH_OFFSET = EXTENT_COUNT_OFFSET + 4;
    public static final int MESSAGE_OFFSET = MESSAGE_LENGTH_OFFSET + 2;

    public static final int EXTENT_SIZE = 24;
    static final int EXTENT_OFFSET_OFFSET = 0;
    static final int EXTENT_LENGTH_OFFSET = EXTENT_OFFSET_OFFSET + 8;
    static final int EXTENT_ENTRY_OFFSET = EXTENT_LENGTH_OFFSET + 8;
    static final int EXTENT_CONTENT_OFFSET = EXTENT_ENTRY_OFFSET + 4;
    static final int EXTENT_PARTITION_OFFSET = EXTENT_CONTENT_OFFSET + 1;
    static final int EXTENT_RESERVED_OFFSET = EXTENT_PARTITION_OFFSET + 1;

    public ImageMeta {
        message = message == null ? "" : message;
        if (message.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE) {
            throw new IllegalArgumentException("message longer than " + MAX_MESSAGE + " bytes");
        }
        extents = List.copyOf(extents);
        long pos = 0;
        for (Extent e : extents) {
            if (e.offset() != pos)
                throw new IllegalArgumentException("extent at " + e.offset() + ", expected " + pos);
            pos = e.end();
        }
        if (pos != size)
            throw new IllegalArgumentException("extents end at " + pos + ", disk size " + size);
    }

    public byte[] toBytes() {
        byte[] msg = message.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(MESSAGE_OFFSET + msg.length
            + EXTENT_SIZE * extents.size());
        b.putInt(MAGIC).putShort((short) VERSION).putShort((short) (snapshot ? FLAG_SNAPSHOT : 0));
        b.putLong(size).putLong(timeMillis).put((byte) kind.code()).put(new byte[3]);
        b.putLong(changedBlocks).putInt(extents.size()).putShort((short) msg.length).put(msg);
        for (Extent e : extents) {
            b.putLong(e.offset()).putLong(e.length()).putInt(e.entry());
            b.put((byte) e.content().code()).put((byte) e.partition()).putShort((short) 0);
        }
        return b.array();
    }

    /**
     * Parses and checks every rule of the layout except those involving the directory entries.
     *
     * @param where names the image for error messages
     */
    public static ImageMeta parse(byte[] bytes, String where) throws ImageFormatException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        need(b, 0, MESSAGE_OFFSET, where);
        int magic = b.getInt(MAGIC_OFFSET);
        if (magic != MAGIC)
            throw bad(where, MAGIC_OFFSET, "magic " + hex(magic) + ", expected " + hex(MAGIC));
        int version = b.getShort(VERSION_OFFSET) & 0xffff;
        if (version != VERSION)
            throw bad(where, VERSION_OFFSET, "version " + version + ", only " + VERSION + " known");
        int flags = b.getShort(FLAGS_OFFSET) & 0xffff;
        if ((flags & ~FLAG_SNAPSHOT) != 0)
            throw bad(where, FLAGS_OFFSET, "unknown flags " + hex(flags));
        long size = b.getLong(SIZE_OFFSET);
        if (size < 0)
            throw bad(where, SIZE_OFFSET, "negative disk size " + size);
        long time = b.getLong(TIME_OFFSET);
        Kind kind = Kind.fromCode(b.get(KIND_OFFSET) & 0xff);
        if (kind == null)
            throw bad(where, KIND_OFFSET, "unknown kind " + (b.get(KIND_OFFSET) & 0xff));
        for (int i = 0; i < 3; i++) {
            if (b.get(RESERVED_OFFSET + i) != 0)
                throw bad(where, RESERVED_OFFSET + i, "reserved byte is not zero");
        }
        long changed = b.getLong(CHANGED_OFFSET);
        long count = b.getInt(EXTENT_COUNT_OFFSET) & 0xffffffffL;
        int msgLen = b.getShort(MESSAGE_LENGTH_OFFSET) & 0xffff;
        if (msgLen > MAX_MESSAGE)
            throw bad(where, MESSAGE_LENGTH_OFFSET, "message of " + msgLen + " bytes");
        long expected = MESSAGE_OFFSET + msgLen + count * EXTENT_SIZE;
        if (expected != bytes.length) {
            throw bad(where, EXTENT_COUNT_OFFSET, count + " extents and a " + msgLen
                + "-byte message need " + expected + " bytes, the stream has " + bytes.length);
        }
        String message;
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes, MESSAGE_OFFSET, msgLen));
            message = cb.toString();
        } catch (CharacterCodingException e) {
            throw bad(where, MESSAGE_OFFSET, "message is not UTF-8");
        }
        List<Extent> extents = new ArrayList<>((int) count);
        long pos = 0;
        for (int i = 0; i < count; i++) {
            int at = MESSAGE_OFFSET + msgLen + i * EXTENT_SIZE;
            long off = b.getLong(at + EXTENT_OFFSET_OFFSET);
            long len = b.getLong(at + EXTENT_LENGTH_OFFSET);
            int entry = b.getInt(at + EXTENT_ENTRY_OFFSET);
            Content content = Content.fromCode(b.get(at + EXTENT_CONTENT_OFFSET) & 0xff);
            int part = b.get(at + EXTENT_PARTITION_OFFSET) & 0xff;
            if (off != pos)
                throw bad(where, at, "extent " + i + " starts at " + off + ", expected " + pos);
            if (len <= 0 || off + len > size || off + len < 0)
                throw bad(where, at + EXTENT_LENGTH_OFFSET, "extent " + i + " length " + len
                    + " does not fit a disk of " + size + " bytes");
            if (entry < 1)
                throw bad(where, at + EXTENT_ENTRY_OFFSET, "extent " + i + " names entry "
                    + entry + "; entry 0 is the metadata");
            if (content == null)
                throw bad(where, at + EXTENT_CONTENT_OFFSET, "extent " + i
                    + " has unknown content code");
            if (b.getShort(at + EXTENT_RESERVED_OFFSET) != 0)
                throw bad(where, at + EXTENT_RESERVED_OFFSET, "reserved bytes are not zero");
            extents.add(new Extent(off, len, entry, content, part));
            pos = off + len;
        }
        if (pos != size)
            throw bad(where, SIZE_OFFSET, "extents cover " + pos + " of " + size + " bytes");
        return new ImageMeta(size, time, kind, (flags & FLAG_SNAPSHOT) != 0, changed, message,
            extents);
    }

    private static void need(ByteBuffer b, int at, int n, String where)
        throws ImageFormatException {
        if (b.limit() < at + n)
            throw bad(where, b.limit(), "metadata stream is " + b.limit() + " bytes, needs "
                + (at + n));
    }

    private static ImageFormatException bad(String where, long offset, String what) {
        return new ImageFormatException(where + " metadata offset " + offset + ": " + what);
    }

    private static String hex(int v) {
        return "0x" + Integer.toHexString(v);
    }
}
