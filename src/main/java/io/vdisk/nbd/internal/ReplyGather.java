package io.vdisk.nbd.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.vdisk.venti.Gather;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Gathers a read reply: a header, then the export's bytes as pieces of one composite buffer.
 * Shared pieces (cached blocks, zeros) are wrapped, not copied, and leave in one vectored write;
 * filled pieces are carved one after another from a single pooled direct buffer, contiguous
 * ones as one piece. Every piece is direct, so the socket write copies none of them.
 *
 * <p>Not thread-safe: one request's read fills it.
 */
final class ReplyGather implements Gather {
    private final ByteBufAllocator alloc;
    private final int length;
    private final List<ByteBuf> parts = new ArrayList<>();
    /** Run when the reply is released: the socket has taken the shared bytes, or failed. */
    private final List<Runnable> releases = new ArrayList<>();
    private int gathered;
    /** Room for the filled pieces, allocated at the first fill for what is left to gather. */
    private ByteBuf scratch;
    /** Where the filled piece not yet added to parts starts in scratch, or -1. */
    private int pendingFrom = -1;

    ReplyGather(ByteBufAllocator alloc, int length) {
        this.alloc = alloc;
        this.length = length;
    }

    @Override
    public void share(ByteBuffer piece, Runnable release) {
        if (release != NO_RELEASE) releases.add(release);
        if (!piece.hasRemaining()) return;
        endFill();
        check(piece.remaining());
        parts.add(Unpooled.wrappedBuffer(piece.duplicate()));
    }

    @Override
    public ByteBuffer fill(int n) {
        check(n);
        if (scratch == null) scratch = alloc.directBuffer(length - gathered + n);
        if (pendingFrom < 0) pendingFrom = scratch.writerIndex();
        int at = scratch.writerIndex();
        scratch.writerIndex(at + n);
        return scratch.nioBuffer(at, n);
    }

    private void check(int n) {
        if (n > length - gathered) {
            throw new IllegalStateException(
                "read gathered " + (gathered + n) + " bytes of " + length);
        }
        gathered += n;
    }

    private void endFill() {
        if (pendingFrom >= 0) {
            parts.add(scratch.retainedSlice(pendingFrom, scratch.writerIndex() - pendingFrom));
            pendingFrom = -1;
        }
    }

    /**
     * The reply: {@code header} followed by the gathered bytes. Takes ownership of the header.
     *
     * @throws IllegalStateException if the read gathered fewer bytes than asked
     */
    ByteBuf reply(ByteBuf header) {
        endFill();
        if (gathered != length) {
            header.release();
            release();
            throw new IllegalStateException("read gathered " + gathered + " bytes of " + length);
        }
        Runnable[] after = releases.toArray(new Runnable[0]);
        releases.clear();
        CompositeByteBuf c = new CompositeByteBuf(alloc, true, parts.size() + 1) {
            @Override
            protected void deallocate() {
                super.deallocate();
                runAll(after);
            }
        };
        c.addComponent(true, header);
        c.addComponents(true, parts);
        parts.clear();
        release();
        return c;
    }

    private static void runAll(Runnable[] rs) {
        for (Runnable r : rs)
            r.run();
    }

    /** Releases what was gathered; idempotent, and safe after {@link #reply}. */
    void release() {
        for (ByteBuf b : parts)
            b.release();
        parts.clear();
        runAll(releases.toArray(new Runnable[0]));
        releases.clear();
        if (scratch != null) {
            scratch.release();
            scratch = null;
        }
        pendingFrom = -1;
    }
}
