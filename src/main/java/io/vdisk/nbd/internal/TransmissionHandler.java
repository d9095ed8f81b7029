package io.vdisk.nbd.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vdisk.nbd.NbdExport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves requests of one connection. Each runs on the worker pool, so many are in flight at once
 * and replies go out in completion order. Requests that break a rule get an errno reply and the
 * connection carries on; only an unreadable write payload ends it.
 *
 * <p>Thread-safe: requests run concurrently; the export is, and Netty serializes writes.
 */
final class TransmissionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TransmissionHandler.class);
    /** Stop reading from the socket while this many requests are queued or running. */
    private static final int HIGH_WATER = 128;
    private static final int LOW_WATER = 32;
    /** Reads of at least this many bytes are gathered ({@link ReplyGather}), smaller ones copied. */
    private static final int GATHER_FROM = 16 << 10;
    /** The longest read reply header: a structured OFFSET_DATA chunk's. */
    private static final int READ_HEADER = 28;

    private final NbdExport export;
    private final Executor workers;
    private final boolean structured;
    private final boolean baseAllocation;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean disconnecting;
    /** Event-loop only: inline replies written but not yet flushed. */
    private boolean unflushed;
    /** The longest request of the batch being read (-1: none yet), for {@link IdlePoll}. */
    private long largest = -1;
    /** Event-loop only: requests read while the socket would not take more replies. */
    private final ArrayDeque<NbdRequest> waiting = new ArrayDeque<>();

    TransmissionHandler(NbdExport export, Executor workers, boolean structured,
        boolean baseAllocation) {
        this.export = export;
        this.workers = workers;
        this.structured = structured;
        this.baseAllocation = baseAllocation;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        NbdRequest r = (NbdRequest) msg;
        largest = Math.max(largest, r.length());
        if (!waiting.isEmpty() || !ctx.channel().isWritable()) {
            // Replies are backing up: hold the (small) request, not its (large) reply, and stop
            // reading until the client takes what it was sent.
            waiting.add(r);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        dispatch(ctx, r);
    }

    private void dispatch(ChannelHandlerContext ctx, NbdRequest r) {
        if (disconnecting || r.type() == Nbd.CMD_DISC) {
            r.release();
            if (disconnecting) return;
            disconnecting = true;
            flushInline(ctx); // replies answered inline go out before the close
            if (inFlight.get() == 0) ctx.close();
            return;
        }
        int error = check(r);
        if (error != 0) {
            r.release();
            ChannelFutureListener after = r.oversized() ? ChannelFutureListener.CLOSE : null;
            var f = ctx.writeAndFlush(errorReply(ctx, r, error, reason(r, error)));
            if (after != null) f.addListener(after);
            return;
        }
        if (runsInline(r)) {
            ctx.write(answer(ctx, r));
            unflushed = true;
            return;
        }
        if (inFlight.incrementAndGet() >= HIGH_WATER) ctx.channel().config().setAutoRead(false);
        try {
            workers.execute(() -> serve(ctx, r));
        } catch (RejectedExecutionException e) {
            r.release();
            done(ctx);
            ctx.writeAndFlush(errorReply(ctx, r, Nbd.ESHUTDOWN, "server is shutting down"));
        }
    }

    /**
     * Whether the request is answered on the event loop. Reads and writes touch only the journal,
     * the block cache and the page cache: a hop to a worker and back costs more than they do (two
     * thread wake-ups, half the latency of a 4 KiB read). Flushes wait for the disk, so they
     * go to the pool, as does whatever has to wait for a flush (FUA).
     */
    private static boolean runsInline(NbdRequest r) {
        if ((r.flags() & Nbd.CMD_FLAG_FUA) != 0) return false;
        return switch (r.type()) {
            case Nbd.CMD_READ, Nbd.CMD_WRITE, Nbd.CMD_BLOCK_STATUS, Nbd.CMD_CACHE -> true;
            default -> false;
        };
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        flushInline(ctx);
        // A read that completed no request was part of a large payload.
        IdlePoll.smallRequests(largest >= 0 && largest <= IdlePoll.SMALL);
        largest = -1;
        super.channelReadComplete(ctx);
    }

    /** Replies answered inline go out in one write per batch of requests read. */
    private void flushInline(ChannelHandlerContext ctx) {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        while (!waiting.isEmpty() && ctx.channel().isWritable())
            dispatch(ctx, waiting.poll());
        flushInline(ctx);
        if (waiting.isEmpty() && ctx.channel().isWritable() && inFlight.get() < HIGH_WATER)
            ctx.channel().config().setAutoRead(true);
        super.channelWritabilityChanged(ctx);
    }

    /** @return 0 or the errno the request is refused with */
    private int check(NbdRequest r) {
        if (r.oversized()) return Nbd.EOVERFLOW;
        long size = export.size();
        boolean ranged = true;
        switch (r.type()) {
            case Nbd.CMD_READ :
                if (r.length() > Nbd.MAX_PAYLOAD) return Nbd.EINVAL;
                break;
            case Nbd.CMD_WRITE :
            case Nbd.CMD_TRIM :
            case Nbd.CMD_WRITE_ZEROES :
                if (export.readOnly()) return Nbd.EPERM;
                break;
            case Nbd.CMD_BLOCK_STATUS :
                if (!baseAllocation) return Nbd.EINVAL;
                break;
            case Nbd.CMD_FLUSH :
            case Nbd.CMD_CACHE :
                ranged = false;
                break;
            default :
                return Nbd.EINVAL;
        }
        if (ranged && (r.offset() < 0 || r.offset() + r.length() > size
            || r.offset() + r.length() < 0)) {
            return r.type() == Nbd.CMD_WRITE || r.type() == Nbd.CMD_WRITE_ZEROES
                ? Nbd.ENOSPC
                : Nbd.EINVAL;
        }
        return 0;
    }

    private String reason(NbdRequest r, int error) {
        return switch (error) {
            case Nbd.EPERM -> "export is read-only";
            case Nbd.EOVERFLOW -> "request of " + r.length() + " bytes exceeds " + Nbd.MAX_PAYLOAD;
            case Nbd.ENOSPC -> "write past the end of the disk (" + export.size() + " bytes)";
            default -> "invalid request: type " + r.type() + ", " + r.length() + " bytes at "
                + r.offset() + " of " + export.size();
        };
    }

    private void serve(ChannelHandlerContext ctx, NbdRequest r) {
        ctx.writeAndFlush(answer(ctx, r));
        done(ctx);
    }

    private ByteBuf answer(ChannelHandlerContext ctx, NbdRequest r) {
        try {
            return perform(ctx, r);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: NBD request type {} at {} failed: {}", ctx.channel().remoteAddress(),
                r.type(), r.offset(), e.toString());
            return errorReply(ctx, r, errnoOf(e), String.valueOf(e.getMessage()));
        } finally {
            r.release();
        }
    }

    /**
     * ENOSPC when the file system under the journal or store is full, so that QEMU's default
     * {@code werror=enospc} pauses the guest until there is room, instead of the guest seeing
     * an I/O error; EIO for anything else. The JDK keeps the errno only as strerror(3) text.
     */
    private static int errnoOf(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof IOException && m != null
                && (m.contains("No space left on device") || m.contains("Disk quota exceeded")))
                return Nbd.ENOSPC;
        }
        return Nbd.EIO;
    }

    private void done(ChannelHandlerContext ctx) {
        int left = inFlight.decrementAndGet();
        if (left == LOW_WATER && waiting.isEmpty()) ctx.channel().config().setAutoRead(true);
        if (left == 0 && disconnecting) ctx.channel().eventLoop().execute(ctx::close);
    }

    private ByteBuf perform(ChannelHandlerContext ctx, NbdRequest r) throws IOException {
        boolean fua = (r.flags() & Nbd.CMD_FLAG_FUA) != 0;
        switch (r.type()) {
            case Nbd.CMD_READ :
                return read(ctx, r);
            case Nbd.CMD_WRITE :
                // the payload's pieces as the socket delivered them: no copy into one buffer
                export.write(r.offset(), r.data().nioBuffers());
                if (fua) export.flush();
                break;
            case Nbd.CMD_TRIM :
            case Nbd.CMD_WRITE_ZEROES :
                export.zero(r.offset(), r.length());
                if (fua) export.flush();
                break;
            case Nbd.CMD_FLUSH :
                export.flush();
                break;
            case Nbd.CMD_CACHE :
                break;
            case Nbd.CMD_BLOCK_STATUS :
                return blockStatus(ctx, r);
            default :
                throw new IllegalStateException("unchecked type " + r.type());
        }
        return simple(ctx, r.handle(), 0, 0);
    }

    private ByteBuf read(ChannelHandlerContext ctx, NbdRequest r) throws IOException {
        int len = (int) r.length();
        if (structured && len == 0) return chunk(ctx, r.handle(), Nbd.REPLY_TYPE_NONE, 0);
        if (len < GATHER_FROM) return copiedRead(ctx, r, len);
        // Cached blocks go from the cache to the socket in one vectored write, with no copy.
        ReplyGather g = new ReplyGather(ctx.alloc(), len);
        try {
            export.read(r.offset(), len, g);
        } catch (IOException | RuntimeException e) {
            g.release();
            throw e;
        }
        ByteBuf header = ctx.alloc().directBuffer(READ_HEADER);
        readHeader(header, r, len);
        return g.reply(header);
    }

    /**
     * A small read: copied straight into the reply, a pooled direct buffer, which costs less
     * than assembling pieces.
     */
    private ByteBuf copiedRead(ChannelHandlerContext ctx, NbdRequest r, int len)
        throws IOException {
        ByteBuf b = ctx.alloc().directBuffer(READ_HEADER + len);
        try {
            readHeader(b, r, len);
            export.read(r.offset(), b.nioBuffer(b.writerIndex(), len));
            return b.writerIndex(b.writerIndex() + len);
        } catch (IOException | RuntimeException e) {
            b.release();
            throw e;
        }
    }

    private void readHeader(ByteBuf b, NbdRequest r, int len) {
        if (!structured) {
            b.writeInt(Nbd.SIMPLE_REPLY_MAGIC).writeInt(0).writeLong(r.handle());
        } else {
            b.writeInt(Nbd.STRUCTURED_REPLY_MAGIC).writeShort(Nbd.REPLY_FLAG_DONE)
                .writeShort(Nbd.REPLY_TYPE_OFFSET_DATA).writeLong(r.handle())
                .writeInt(8 + len).writeLong(r.offset());
        }
    }

    private ByteBuf blockStatus(ChannelHandlerContext ctx, NbdRequest r) throws IOException {
        boolean one = (r.flags() & Nbd.CMD_FLAG_REQ_ONE) != 0;
        List<NbdExport.Extent> extents = export.extents(r.offset(), r.length());
        int n = one ? 1 : Math.min(extents.size(), 1024);
        ByteBuf body = ctx.alloc().buffer(4 + 8 * n);
        body.writeInt(Nbd.BASE_ALLOCATION_ID);
        long left = r.length();
        int written = 0;
        for (NbdExport.Extent e : extents) {
            if (written == n || left <= 0) break;
            long len = Math.min(Math.min(e.length(), left), 0xFFFF_F000L);
            body.writeInt((int) len).writeInt(e.zero() ? Nbd.STATE_HOLE | Nbd.STATE_ZERO : 0);
            left -= len;
            written++;
        }
        ByteBuf b = chunk(ctx, r.handle(), Nbd.REPLY_TYPE_BLOCK_STATUS, body.readableBytes());
        b.writeBytes(body);
        body.release();
        return b;
    }

    private ByteBuf errorReply(ChannelHandlerContext ctx, NbdRequest r, int errno,
        String message) {
        if (!structured || r.type() != Nbd.CMD_READ && r.type() != Nbd.CMD_BLOCK_STATUS) {
            return simple(ctx, r.handle(), errno, 0);
        }
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        int ml = Math.min(m.length, 1024);
        ByteBuf b = chunk(ctx, r.handle(), Nbd.REPLY_TYPE_ERROR, 6 + ml);
        return b.writeInt(errno).writeShort(ml).writeBytes(m, 0, ml);
    }

    /** Simple reply: | 4 magic | 4 error | 8 handle | data... |. */
    private static ByteBuf simple(ChannelHandlerContext ctx, long handle, int error, int dataLen) {
        ByteBuf b = ctx.alloc().buffer(16 + dataLen);
        return b.writeInt(Nbd.SIMPLE_REPLY_MAGIC).writeInt(error).writeLong(handle);
    }

    /** Final structured chunk: | 4 magic | 2 flags | 2 type | 8 handle | 4 length | payload |. */
    private static ByteBuf chunk(ChannelHandlerContext ctx, long handle, int type, int length) {
        ByteBuf b = ctx.alloc().buffer(20 + length);
        return b.writeInt(Nbd.STRUCTURED_REPLY_MAGIC).writeShort(Nbd.REPLY_FLAG_DONE)
            .writeShort(type).writeLong(handle).writeInt(length);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        for (NbdRequest r; (r = waiting.poll()) != null;)
            r.release();
        try {
            export.close();
        } catch (IOException e) {
            LOG.warn("{}: closing export: {}", ctx.channel().remoteAddress(), e.toString());
        }
        LOG.info("{}: NBD connection closed", ctx.channel().remoteAddress());
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.info("{}: NBD connection error: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
