package io.vdisk.venti;

import io.vdisk.venti.internal.Arena;
import io.vdisk.venti.internal.FrameCache;
import io.vdisk.venti.internal.FrameRecord;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads blocks out of {@link FrameRecord}s for the disk store. A block of a frame stored as it
 * is (zstd did not shrink it) is read alone, from its offset. A block of a compressed frame needs
 * the frame decompressed up to it: only that far for a block read alone, whole (and kept, the
 * last 64 frames, in a {@link FrameCache}) for a run or a second block of the same frame. A cold
 * random 4 KiB read that decompressed its frame into fresh arrays spent 0.6 ms of CPU, most of it
 * zeroing and copying them.
 *
 * <p>Callers pass the bytes they already hold from the record's start ({@code at}, a direct
 * buffer positioned there, or null) so that nothing is read twice. Blocks leave unverified:
 * the caller hashes them. Thread-safe.
 */
final class FrameReader {
    /** Per thread, where a compressed payload is read before it is decompressed. */
    private static final ThreadLocal<ByteBuffer[]> PAYLOAD = ThreadLocal.withInitial(
        () -> new ByteBuffer[1]);
    /** Per thread, where the start of a frame is decompressed for a block read alone. */
    private static final ThreadLocal<ByteBuffer[]> PREFIX = ThreadLocal.withInitial(
        () -> new ByteBuffer[1]);

    private final FrameCache cache = new FrameCache();

    private static String where(Arena arena, long pos) {
        return arena.path() + " offset " + pos + ": ";
    }

    /**
     * The header and table of the frame at {@code pos}, taken from {@code at} when it holds them.
     *
     * @throws CorruptBlockException if they are damaged or the record runs past the file's end
     */
    FrameRecord header(Arena arena, long pos, ByteBuffer at) throws IOException {
        int head = at == null ? -1 : FrameRecord.headerSizeAt(at, at.position());
        ByteBuffer src;
        if (head > 0 && at.remaining() >= head) {
            src = at.duplicate();
        } else {
            ByteBuffer fixed = ByteBuffer.allocate(FrameRecord.HEADER_SIZE);
            arena.read(fixed, pos);
            head = FrameRecord.headerSizeAt(fixed.flip(), 0);
            if (head < 0)
                throw new CorruptBlockException(where(arena, pos) + "frame header is truncated");
            src = ByteBuffer.allocate(head);
            arena.read(src, pos);
            src.flip();
        }
        String[] why = new String[1];
        FrameRecord f = FrameRecord.read(src, why);
        if (f == null)
            throw new CorruptBlockException(where(arena, pos) + why[0]);
        if (pos + f.totalSize() > arena.end())
            throw new CorruptBlockException(where(arena, pos)
                + "frame record runs past the end of the file");
        return f;
    }

    /**
     * Copies block {@code slot} of frame {@code f} at {@code pos} into {@code dst} (from its
     * position, exactly the block's length). A block read {@code alone} (no run around it) from a
     * frame not in the cache is decompressed only up to its end, and the frame is kept whole only
     * when a second lone block is read from it: cold random 4 KiB reads mostly touch a frame once.
     */
    void copyBlock(Arena arena, long pos, FrameRecord f, int slot, ByteBuffer at, ByteBuffer dst,
        boolean alone) throws IOException {
        int length = f.blockLength(slot);
        if (f.compression() == FrameRecord.COMPRESSION_NONE) {
            int from = f.headerSize() + f.blockOffset(slot);
            if (at != null && at.remaining() >= from + length) {
                dst.put(dst.position(), at, at.position() + from, length);
                return;
            }
            ByteBuffer d = dst.duplicate().limit(dst.position() + length);
            arena.read(d, pos + from);
            if (d.hasRemaining())
                throw new CorruptBlockException(where(arena, pos) + "frame block " + slot
                    + " is truncated");
            return;
        }
        byte[] blocks = cache.get(arena.number(), pos);
        if (blocks == null && alone && !cache.glimpse(arena.number(), pos)) {
            int end = f.blockOffset(slot) + length;
            ByteBuffer prefix = prefixBuffer(end);
            String damage = f.decodePrefix(payload(arena, pos, f, at), prefix);
            if (damage != null)
                throw new CorruptBlockException(where(arena, pos) + "frame of " + f.count()
                    + " blocks: " + damage);
            dst.put(dst.position(), prefix, f.blockOffset(slot), length);
            return;
        }
        if (blocks == null) {
            blocks = decompress(arena, pos, f, at);
            cache.put(arena.number(), pos, blocks);
        }
        dst.put(dst.position(), blocks, f.blockOffset(slot), length);
    }

    /** The compressed payload of {@code f}: in {@code at} if it holds it, else read. */
    private static ByteBuffer payload(Arena arena, long pos, FrameRecord f, ByteBuffer at)
        throws IOException {
        if (at != null && at.isDirect() && at.remaining() >= f.totalSize())
            return at.duplicate().position(at.position() + f.headerSize());
        ByteBuffer payload = payloadBuffer(f.stored());
        arena.read(payload, pos + f.headerSize());
        return payload.flip();
    }

    private static ByteBuffer prefixBuffer(int n) {
        ByteBuffer[] holder = PREFIX.get();
        if (holder[0] == null || holder[0].capacity() < n)
            holder[0] = ByteBuffer.allocateDirect(Math.max(n, FrameRecord.TARGET_BYTES));
        return holder[0].clear().limit(n);
    }

    /**
     * The blocks of frame {@code f} at {@code pos}, decompressed (or copied, if stored as they
     * are) into a new array, not verified.
     *
     * @throws CorruptBlockException if the payload is cut short or does not decompress
     */
    byte[] decompress(Arena arena, long pos, FrameRecord f, ByteBuffer at) throws IOException {
        byte[] blocks = new byte[f.length()];
        String damage = f.decode(payload(arena, pos, f, at), blocks);
        if (damage != null)
            throw new CorruptBlockException(where(arena, pos) + "frame of " + f.count()
                + " blocks: " + damage);
        return blocks;
    }

    private static ByteBuffer payloadBuffer(int n) {
        ByteBuffer[] holder = PAYLOAD.get();
        if (holder[0] == null || holder[0].capacity() < n)
            holder[0] = ByteBuffer.allocateDirect(Math.max(n, FrameRecord.TARGET_BYTES + 4096));
        return holder[0].clear().limit(n);
    }
}
