package io.vdisk.ninep.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of a connection: allocates tags and completes each request's future with its
 * reply. Thread-safe: callers on any thread register requests; the event loop completes them.
 */
public final class ClientHandler extends ChannelInboundHandlerAdapter {
    private final ConcurrentMap<Integer, CompletableFuture<Fcall>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger nextTag = new AtomicInteger();
    private volatile IOException closedCause;

    /**
     * Reserves a tag for a request.
     *
     * @param tag a fixed tag (e.g. {@link Wire#NOTAG} for Tversion) or -1 for any free one
     * @param future completed with the reply
     * @return the tag
     * @throws IOException if the connection is closed
     */
    public int register(int tag, CompletableFuture<Fcall> future) throws IOException {
        if (closedCause != null) {
            throw closedCause;
        }
        if (tag >= 0) {
            if (pending.putIfAbsent(tag, future) != null) {
                throw new IOException("tag " + tag + " in use");
            }
            return tag;
        }
        for (int i = 0; i < 0x10000; i++) {
            int t = nextTag.getAndIncrement() & 0xffff;
            if (t != Wire.NOTAG && pending.putIfAbsent(t, future) == null) {
                return t;
            }
        }
        throw new IOException("no free tag: 65535 requests outstanding");
    }

    /**
     * Forgets a tag whose request could not be sent.
     *
     * @param tag the tag
     * @param cause why
     */
    public void fail(int tag, Throwable cause) {
        CompletableFuture<Fcall> f = pending.remove(tag);
        if (f != null) {
            f.completeExceptionally(cause);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DecodeError e) {
            CompletableFuture<Fcall> f = pending.remove(e.tag());
            NinePException ex = new NinePException(Errno.EPROTO, "bad reply: " + e.reason());
            if (f != null) {
                f.completeExceptionally(ex);
            }
            if (e.fatal()) {
                ctx.close();
            }
            return;
        }
        Fcall call = (Fcall) msg;
        CompletableFuture<Fcall> f = pending.remove(call.tag());
        if (f == null || !f.complete(call)) {
            call.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closedCause = new IOException("9P connection closed");
        for (Integer tag : pending.keySet()) {
            fail(tag, closedCause);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
