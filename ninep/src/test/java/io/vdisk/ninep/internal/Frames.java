package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.function.Consumer;

/** Builds raw request frames and decodes raw replies for codec tests. Not thread-safe. */
final class Frames {
    private Frames() {
    }

    /** @return a frame {@code size[4] type[1] tag[2] body} with the right size */
    static ByteBuf frame(int type, int tag, Consumer<ByteBuf> body) {
        ByteBuf b = Unpooled.buffer();
        b.writeIntLE(0).writeByte(type).writeShortLE(tag);
        body.accept(b);
        b.setIntLE(0, b.readableBytes());
        return b;
    }

    /** @return the frame of a message */
    static ByteBuf frame(int tag, Message m) {
        ByteBuf b = Unpooled.buffer();
        MessageEncoder.encode(new Fcall(tag, m), b);
        return b;
    }

    /** Decodes one reply frame (and releases it). */
    static Fcall decode(ByteBuf frame) {
        EmbeddedChannel c = new EmbeddedChannel(new FrameDecoder(() -> Integer.MAX_VALUE));
        c.writeInbound(frame);
        Object o = c.readInbound();
        if (o instanceof DecodeError e) {
            throw new AssertionError("reply did not decode: " + e);
        }
        if (c.readInbound() != null) {
            throw new AssertionError("more than one reply in a frame");
        }
        c.finishAndReleaseAll();
        return (Fcall) o;
    }
}
