package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Encodes an {@link Fcall} as {@code size[4] type[1] tag[2] body}, then releases the message's
 * buffer if it held one. Pre-encoded frames (plain {@link ByteBuf}s, used for large Rread and
 * Rreaddir replies) pass through untouched. Stateless, {@link Sharable} and thread-safe: use
 * {@link #INSTANCE}.
 */
@Sharable
public final class MessageEncoder extends MessageToByteEncoder<Fcall> {
    /** The shared instance. */
    public static final MessageEncoder INSTANCE = new MessageEncoder();

    private MessageEncoder() {
        super(Fcall.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Fcall msg, ByteBuf out) {
        try {
            encode(msg, out);
        } finally {
            msg.release();
        }
    }

    /**
     * Writes one frame without releasing anything.
     *
     * @param msg the message
     * @param out the destination
     */
    public static void encode(Fcall msg, ByteBuf out) {
        int start = out.writerIndex();
        out.writeIntLE(0);
        out.writeByte(msg.type().id());
        out.writeShortLE(msg.tag());
        msg.body().encode(out);
        out.setIntLE(start, out.writerIndex() - start);
    }
}
