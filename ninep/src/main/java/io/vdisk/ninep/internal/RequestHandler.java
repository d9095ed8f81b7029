package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.FileServer;
import io.vdisk.ninep.NinePException;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The file-server logic of one connection. Tversion and Tflush are handled on the event loop, in
 * arrival order; every other request runs on the worker {@link Executor}, so many tags of one
 * connection (for instance parallel reads of one big file) proceed at once. A Tflush marks the
 * old request so its reply is dropped if not yet sent, and answers Rflush only after the old
 * request has finished, so the client never sees a reply to a flushed tag after Rflush.
 *
 * <p>
 * Not shareable: one instance per channel. Its state lives in a thread-safe {@link Session}.
 */
public final class RequestHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(RequestHandler.class.getName());
    private static final int MIN_MSIZE = 256;
    private static final Set<MessageType> CLASSIC_ONLY = EnumSet.of(MessageType.TOPEN,
        MessageType.TCREATE, MessageType.TSTAT, MessageType.TWSTAT);
    private static final Set<MessageType> SHARED = EnumSet.of(MessageType.TVERSION,
        MessageType.TAUTH, MessageType.TATTACH, MessageType.TFLUSH, MessageType.TWALK,
        MessageType.TREAD, MessageType.TWRITE, MessageType.TCLUNK, MessageType.TREMOVE);

    private final Session session;
    private final Executor executor;
    private final int maxMsize;
    private final Operations ops;

    /**
     * @param fs the file server
     * @param session this connection's state, shared with its {@link FrameDecoder}
     * @param executor where requests run
     * @param clock the time for "set to now"
     * @param maxMsize the largest msize to agree to
     */
    public RequestHandler(FileServer<Object> fs, Session session, Executor executor, Clock clock,
        int maxMsize) {
        this.session = session;
        this.executor = executor;
        this.maxMsize = maxMsize;
        this.ops = new Operations(fs, session, clock);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof DecodeError e) {
            LOG.log(System.Logger.Level.DEBUG, "bad frame from {0}: {1}", ctx.channel(),
                e.reason());
            var f = ctx.writeAndFlush(new Fcall(e.tag(), session.error(e.errno())));
            if (e.fatal()) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        Fcall call = (Fcall) msg;
        MessageType type = call.type();
        int errno = admissible(type);
        if (errno != 0) {
            call.release();
            reply(ctx, call.tag(), session.error(errno));
        } else if (type == MessageType.TVERSION) {
            version(ctx, call);
        } else if (type == MessageType.TFLUSH) {
            flush(ctx, call.tag(), ((SessionMessages.Tflush) call.body()).oldtag());
        } else {
            dispatch(ctx, call);
        }
    }

    private int admissible(MessageType type) {
        if (!type.isRequest() || type == MessageType.TLERROR || type == MessageType.TERROR) {
            return Errno.EOPNOTSUPP;
        }
        Dialect d = session.dialect();
        if (type == MessageType.TVERSION) {
            return 0;
        }
        if (d == Dialect.NONE) {
            return Errno.EPROTO;
        }
        if (SHARED.contains(type)) {
            return 0;
        }
        return (d == Dialect.CLASSIC) == CLASSIC_ONLY.contains(type) ? 0 : Errno.EOPNOTSUPP;
    }

    private void version(ChannelHandlerContext ctx, Fcall call) {
        var v = (SessionMessages.Version) call.body();
        session.reset();
        if (Integer.compareUnsigned(v.msize(), MIN_MSIZE) < 0) {
            reply(ctx, call.tag(), new SessionMessages.Rlerror(Errno.EINVAL));
            return;
        }
        int msize = Integer.compareUnsigned(v.msize(), maxMsize) < 0 ? v.msize() : maxMsize;
        Dialect d = Dialect.negotiate(v.version());
        session.negotiated(d == Dialect.NONE ? maxMsize : msize, d);
        String answer = d == Dialect.NONE ? "unknown" : d.version();
        reply(ctx, call.tag(), new SessionMessages.Version(MessageType.RVERSION, msize, answer));
    }

    private void flush(ChannelHandlerContext ctx, int tag, int oldtag) {
        // Runs on the event loop, as does the completion of every request (see finish), so
        // either the old reply is already written or it will be dropped; Rflush comes last.
        Session.Pending p = session.inflight.get(oldtag);
        if (p == null) {
            reply(ctx, tag, new SessionMessages.Empty(MessageType.RFLUSH));
            return;
        }
        p.flushed = true;
        p.done.whenComplete(
            (v, t) -> reply(ctx, tag, new SessionMessages.Empty(MessageType.RFLUSH)));
    }

    private void dispatch(ChannelHandlerContext ctx, Fcall call) {
        Session.Pending p = new Session.Pending();
        if (session.inflight.putIfAbsent(call.tag(), p) != null) {
            call.release();
            reply(ctx, call.tag(), session.error(Errno.EBUSY));
            return;
        }
        try {
            executor.execute(() -> run(ctx, call, p));
        } catch (RejectedExecutionException e) {
            session.inflight.remove(call.tag(), p);
            call.release();
            reply(ctx, call.tag(), session.error(Errno.EAGAIN));
        }
    }

    private void run(ChannelHandlerContext ctx, Fcall call, Session.Pending p) {
        Object answer = null;
        try {
            if (!p.flushed) {
                answer = ops.handle(ctx.alloc(), call);
            }
        } catch (NinePException e) {
            answer = new Fcall(call.tag(), session.error(e.errno()));
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.WARNING, "9p " + call.type() + " failed", e);
            answer = new Fcall(call.tag(), session.error(Errno.EIO));
        } finally {
            call.release();
        }
        Object reply = answer;
        try {
            ctx.channel().eventLoop().execute(() -> finish(ctx, call.tag(), p, reply));
        } catch (RejectedExecutionException shuttingDown) {
            if (reply instanceof ByteBuf b) {
                b.release();
            }
        }
    }

    /**
     * On the event loop: the tag leaves the in-flight map in the same step as its reply is
     * written, so a client reusing the tag right after the reply never finds it busy, and a
     * Tflush sees either a finished request or one whose reply it can still suppress.
     */
    private void finish(ChannelHandlerContext ctx, int tag, Session.Pending p, Object answer) {
        session.inflight.remove(tag, p);
        if (answer != null) {
            if (p.flushed) {
                if (answer instanceof ByteBuf b) {
                    b.release();
                }
            } else {
                ctx.writeAndFlush(answer, ctx.voidPromise());
            }
        }
        p.done.complete(null);
    }

    private static void reply(ChannelHandlerContext ctx, int tag, Message m) {
        ctx.writeAndFlush(new Fcall(tag, m), ctx.voidPromise());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        session.reset();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // I/O errors are clients going away; anything else is a bug worth a warning.
        System.Logger.Level level = cause instanceof java.io.IOException
            ? System.Logger.Level.DEBUG
            : System.Logger.Level.WARNING;
        LOG.log(level, "9p connection " + ctx.channel() + " failed", cause);
        ctx.close();
    }
}
