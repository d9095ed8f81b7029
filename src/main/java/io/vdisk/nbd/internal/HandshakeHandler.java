package io.vdisk.nbd.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.vdisk.nbd.NbdExport;
import io.vdisk.nbd.NbdExports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fixed-newstyle handshake: greeting, client flags, then options until GO or EXPORT_NAME
 * hands the connection to {@link TransmissionHandler}. Every malformed option gets an error reply;
 * what cannot be answered (bad magic, unknown client flags, an oversized option) closes this
 * connection only.
 *
 * <pre>
 * option request: | 8 IHAVEOPT | 4 option | 4 length | length bytes of data |
 * </pre>
 *
 * Not thread-safe: one per connection, driven by its event loop.
 */
public final class HandshakeHandler extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeHandler.class);

    private final NbdExports exports;
    private final Executor workers;
    private boolean haveClientFlags;
    private boolean noZeroes;
    private boolean structured;
    private boolean baseAllocation;

    public HandshakeHandler(NbdExports exports, Executor workers) {
        this.exports = exports;
        this.workers = workers;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ByteBuf b = ctx.alloc().buffer(18);
        b.writeLong(Nbd.NBDMAGIC).writeLong(Nbd.IHAVEOPT)
            .writeShort(Nbd.FLAG_FIXED_NEWSTYLE | Nbd.FLAG_NO_ZEROES);
        ctx.writeAndFlush(b);
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (!haveClientFlags) {
            if (in.readableBytes() < 4) return;
            int flags = in.readInt();
            if ((flags & ~Nbd.CLIENT_FLAGS_KNOWN) != 0) {
                fail(ctx, in, "unknown client flags 0x" + Integer.toHexString(flags));
                return;
            }
            noZeroes = (flags & Nbd.FLAG_NO_ZEROES) != 0;
            haveClientFlags = true;
        }
        while (ctx.channel().isActive() && in.readableBytes() >= 16) {
            long magic = in.getLong(in.readerIndex());
            int option = in.getInt(in.readerIndex() + 8);
            long length = in.getUnsignedInt(in.readerIndex() + 12);
            if (magic != Nbd.IHAVEOPT) {
                fail(ctx, in, "bad option magic 0x" + Long.toHexString(magic));
                return;
            }
            if (length > Nbd.MAX_OPTION) {
                ctx.writeAndFlush(OptionReplies.error(ctx.alloc(), option, Nbd.REP_ERR_TOO_BIG,
                    "option of " + length + " bytes is too big"));
                fail(ctx, in, "option " + option + " of " + length + " bytes");
                return;
            }
            if (in.readableBytes() < 16 + length) return;
            in.skipBytes(16);
            ByteBuf data = in.readSlice((int) length);
            if (handle(ctx, option, data)) {
                if (in.isReadable()) out.add(in.readRetainedSlice(in.readableBytes()));
                return;
            }
        }
    }

    /** @return true when the connection has left the handshake (transmission or closed) */
    private boolean handle(ChannelHandlerContext ctx, int option, ByteBuf data) {
        switch (option) {
            case Nbd.OPT_EXPORT_NAME :
                return exportName(ctx, data);
            case Nbd.OPT_ABORT :
                ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), option))
                    .addListener(ChannelFutureListener.CLOSE);
                return true;
            case Nbd.OPT_LIST :
                list(ctx, data);
                return false;
            case Nbd.OPT_INFO :
            case Nbd.OPT_GO :
                return infoOrGo(ctx, option, data);
            case Nbd.OPT_STRUCTURED_REPLY :
                if (data.isReadable()) {
                    invalid(ctx, option, "structured reply takes no data");
                } else if (structured) {
                    invalid(ctx, option, "structured replies already negotiated");
                } else {
                    structured = true;
                    ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), option));
                }
                return false;
            case Nbd.OPT_LIST_META_CONTEXT :
            case Nbd.OPT_SET_META_CONTEXT :
                metaContext(ctx, option, data);
                return false;
            case Nbd.OPT_STARTTLS :
                ctx.writeAndFlush(OptionReplies.error(ctx.alloc(), option, Nbd.REP_ERR_POLICY,
                    "TLS is not offered on this port"));
                return false;
            default :
                ctx.writeAndFlush(OptionReplies.error(ctx.alloc(), option, Nbd.REP_ERR_UNSUP,
                    "option " + option + " is not supported"));
                return false;
        }
    }

    private boolean exportName(ChannelHandlerContext ctx, ByteBuf data) {
        String name = data.toString(StandardCharsets.UTF_8);
        NbdExport export;
        try {
            export = exports.open(name);
        } catch (IOException | RuntimeException e) {
            // EXPORT_NAME cannot answer with an error: the protocol says close.
            LOG.info("{}: no export '{}': {}", ctx.channel().remoteAddress(), name, e.getMessage());
            ctx.close();
            return true;
        }
        ByteBuf b = ctx.alloc().buffer(10 + 124);
        b.writeLong(export.size()).writeShort(transmissionFlags(export));
        if (!noZeroes) b.writeZero(124);
        ctx.writeAndFlush(b);
        enterTransmission(ctx, name, export);
        return true;
    }

    private void list(ChannelHandlerContext ctx, ByteBuf data) {
        if (data.isReadable()) {
            invalid(ctx, Nbd.OPT_LIST, "list takes no data");
            return;
        }
        try {
            for (String name : exports.list()) {
                ctx.write(OptionReplies.server(ctx.alloc(), Nbd.OPT_LIST, name));
            }
            ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), Nbd.OPT_LIST));
        } catch (IOException | RuntimeException e) {
            ctx.writeAndFlush(OptionReplies.error(ctx.alloc(), Nbd.OPT_LIST, Nbd.REP_ERR_INVALID,
                "cannot list exports: " + e.getMessage()));
        }
    }

    private boolean infoOrGo(ChannelHandlerContext ctx, int option, ByteBuf data) {
        if (data.readableBytes() < 6) {
            invalid(ctx, option, "request too short");
            return false;
        }
        long nameLen = data.readUnsignedInt();
        if (nameLen > Nbd.MAX_STRING || nameLen + 2 > data.readableBytes()) {
            invalid(ctx, option, "bad export name length " + nameLen);
            return false;
        }
        String name = data.readCharSequence((int) nameLen, StandardCharsets.UTF_8).toString();
        int n = data.readUnsignedShort();
        if (data.readableBytes() != 2 * n) {
            invalid(ctx, option, n + " information requests need " + 2 * n + " bytes, got "
                + data.readableBytes());
            return false;
        }
        boolean wantName = false;
        boolean wantDescription = false;
        boolean wantBlockSize = false;
        for (int i = 0; i < n; i++) {
            int info = data.readUnsignedShort();
            wantName |= info == Nbd.INFO_NAME;
            wantDescription |= info == Nbd.INFO_DESCRIPTION;
            wantBlockSize |= info == Nbd.INFO_BLOCK_SIZE;
        }
        NbdExport export;
        try {
            export = exports.open(name);
        } catch (IOException | RuntimeException e) {
            ctx.writeAndFlush(OptionReplies.error(ctx.alloc(), option, Nbd.REP_ERR_UNKNOWN,
                "no export '" + name + "': " + e.getMessage()));
            return false;
        }
        ctx.write(OptionReplies.infoExport(ctx.alloc(), option, export.size(),
            transmissionFlags(export)));
        if (wantName) ctx.write(OptionReplies.infoText(ctx.alloc(), option, Nbd.INFO_NAME, name));
        String description = exports.describe(name);
        if (wantDescription && description != null) {
            ctx.write(OptionReplies.infoText(ctx.alloc(), option, Nbd.INFO_DESCRIPTION,
                description));
        }
        if (wantBlockSize) ctx.write(OptionReplies.infoBlockSize(ctx.alloc(), option));
        ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), option));
        if (option == Nbd.OPT_INFO) {
            closeQuietly(export);
            return false;
        }
        enterTransmission(ctx, name, export);
        return true;
    }

    private void metaContext(ChannelHandlerContext ctx, int option, ByteBuf data) {
        boolean set = option == Nbd.OPT_SET_META_CONTEXT;
        if (set && !structured) {
            invalid(ctx, option, "negotiate structured replies first");
            return;
        }
        if (data.readableBytes() < 8) {
            invalid(ctx, option, "request too short");
            return;
        }
        long nameLen = data.readUnsignedInt();
        if (nameLen > Nbd.MAX_STRING || nameLen + 4 > data.readableBytes()) {
            invalid(ctx, option, "bad export name length " + nameLen);
            return;
        }
        String name = data.readCharSequence((int) nameLen, StandardCharsets.UTF_8).toString();
        long queries = data.readUnsignedInt();
        List<String> asked = new java.util.ArrayList<>();
        for (long i = 0; i < queries; i++) {
            if (data.readableBytes() < 4) {
                invalid(ctx, option, "query " + i + " is truncated");
                return;
            }
            long len = data.readUnsignedInt();
            if (len > Nbd.MAX_STRING || len > data.readableBytes()) {
                invalid(ctx, option, "query " + i + " has bad length " + len);
                return;
            }
            asked.add(data.readCharSequence((int) len, StandardCharsets.UTF_8).toString());
        }
        if (data.isReadable()) {
            invalid(ctx, option, data.readableBytes() + " stray bytes after the queries");
            return;
        }
        try {
            exports.open(name).close();
        } catch (IOException | RuntimeException e) {
            ctx.writeAndFlush(OptionReplies.error(ctx.alloc(), option, Nbd.REP_ERR_UNKNOWN,
                "no export '" + name + "'"));
            return;
        }
        boolean match = asked.isEmpty() && !set;
        for (String q : asked) {
            match |= q.equals(Nbd.BASE_ALLOCATION) || !set && (q.equals("base:"));
        }
        if (set) baseAllocation = match;
        if (match) {
            ctx.write(OptionReplies.metaContext(ctx.alloc(), option, Nbd.BASE_ALLOCATION_ID,
                Nbd.BASE_ALLOCATION));
        }
        ctx.writeAndFlush(OptionReplies.ack(ctx.alloc(), option));
    }

    private void enterTransmission(ChannelHandlerContext ctx, String name, NbdExport export) {
        LOG.info("{}: NBD export '{}' ({} bytes{}{})", ctx.channel().remoteAddress(), name,
            export.size(), export.readOnly() ? ", read-only" : "",
            structured ? ", structured replies" : "");
        ctx.pipeline().addAfter(ctx.name(), "nbd-transmission",
            new TransmissionHandler(export, workers, structured, baseAllocation));
        ctx.pipeline().addAfter(ctx.name(), "nbd-requests", new RequestDecoder());
        ctx.pipeline().remove(this);
    }

    static int transmissionFlags(NbdExport e) {
        int f = Nbd.TFLAG_HAS_FLAGS | Nbd.TFLAG_SEND_FLUSH | Nbd.TFLAG_SEND_FUA
            | Nbd.TFLAG_SEND_DF;
        if (e.readOnly()) {
            f |= Nbd.TFLAG_READ_ONLY;
        } else {
            f |= Nbd.TFLAG_SEND_TRIM | Nbd.TFLAG_SEND_WRITE_ZEROES | Nbd.TFLAG_SEND_FAST_ZERO;
        }
        if (e.flushCoversAllConnections()) f |= Nbd.TFLAG_CAN_MULTI_CONN;
        return f;
    }

    private static void invalid(ChannelHandlerContext ctx, int option, String why) {
        ctx.writeAndFlush(OptionReplies.error(ctx.alloc(), option, Nbd.REP_ERR_INVALID, why));
    }

    private static void fail(ChannelHandlerContext ctx, ByteBuf in, String why) {
        LOG.info("{}: NBD handshake refused: {}", ctx.channel().remoteAddress(), why);
        in.skipBytes(in.readableBytes());
        ctx.close();
    }

    private static void closeQuietly(NbdExport e) {
        try {
            e.close();
        } catch (IOException | RuntimeException ignored) {
            // an INFO probe; nothing was written
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.info("{}: NBD connection error: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
