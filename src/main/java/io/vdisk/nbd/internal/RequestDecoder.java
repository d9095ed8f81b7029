package io.vdisk.nbd.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frames requests ({@link NbdRequest}). A bad magic means the stream cannot be trusted any more:
 * the connection is closed. A WRITE above {@link Nbd#MAX_PAYLOAD} is passed on unread, marked
 * oversized, and decoding stops. Not thread-safe: one per connection.
 */
final class RequestDecoder extends ByteToMessageDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDecoder.class);
    private boolean stopped;

    RequestDecoder() {
        // A 256 KiB WRITE arrives in several socket reads. Merging them into one buffer copied
        // every payload once more (6% of a streaming write's CPU); a composite keeps the reads
        // as they are and the journal writes their pieces with one gathering write.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!stopped && in.readableBytes() >= NbdRequest.HEADER_SIZE) {
            int start = in.readerIndex();
            int magic = in.getInt(start);
            if (magic != Nbd.REQUEST_MAGIC) {
                LOG.info("{}: bad NBD request magic 0x{}; closing", ctx.channel().remoteAddress(),
                    Integer.toHexString(magic));
                stop(ctx, in);
                return;
            }
            int flags = in.getUnsignedShort(start + 4);
            int type = in.getUnsignedShort(start + 6);
            long handle = in.getLong(start + 8);
            long offset = in.getLong(start + 16);
            long length = in.getUnsignedInt(start + 24);
            ByteBuf data = null;
            if (type == Nbd.CMD_WRITE) {
                if (length > Nbd.MAX_PAYLOAD) {
                    in.skipBytes(NbdRequest.HEADER_SIZE);
                    out.add(new NbdRequest(flags, type, handle, offset, length, null, true));
                    stopped = true;
                    in.skipBytes(in.readableBytes());
                    return;
                }
                if (in.readableBytes() < NbdRequest.HEADER_SIZE + length) return;
                in.skipBytes(NbdRequest.HEADER_SIZE);
                data = in.readRetainedSlice((int) length);
            } else {
                in.skipBytes(NbdRequest.HEADER_SIZE);
            }
            out.add(new NbdRequest(flags, type, handle, offset, length, data, false));
        }
        if (stopped) in.skipBytes(in.readableBytes());
    }

    private void stop(ChannelHandlerContext ctx, ByteBuf in) {
        stopped = true;
        in.skipBytes(in.readableBytes());
        ctx.close();
    }
}
