package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.vdisk.ninep.Errno;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Splits the byte stream into 9P frames and decodes each into an {@link Fcall}, or into a
 * {@link DecodeError} when the frame is bad, so that garbage becomes an error reply rather than
 * an exception in the pipeline. Frame layout: {@code size[4] type[1] tag[2] body[size-7]}, where
 * {@code size} counts itself.
 *
 * <ul>
 * <li>{@code size < 4}: framing is lost; a fatal error (the handler closes the connection).</li>
 * <li>{@code 4 <= size < 7}: the frame is skipped and answered on {@link Wire#NOTAG}.</li>
 * <li>{@code size > msize}: answered with EMSGSIZE on the frame's tag, then its bytes are
 * discarded as they arrive, so the connection stays usable.</li>
 * <li>unknown type: EOPNOTSUPP; truncated body: EPROTO (see {@link Wire}).</li>
 * </ul>
 *
 * Not thread-safe: one instance per channel, used on its event loop. The frame limit is read
 * from {@code msize} for every frame, so a version negotiation takes effect at once.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private final IntSupplier msize;
    private long discard;

    /**
     * @param msize the current largest acceptable frame
     */
    public FrameDecoder(IntSupplier msize) {
        this.msize = msize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (discard > 0 && skip(in) > 0) {
            return;
        }
        if (in.readableBytes() < 4) {
            return;
        }
        int start = in.readerIndex();
        long size = in.getUnsignedIntLE(start);
        if (size < 4) {
            in.skipBytes(in.readableBytes());
            out.add(new DecodeError(Wire.NOTAG, Errno.EPROTO, "frame size " + size, true));
            return;
        }
        if (size < Wire.HEADER_SIZE) {
            out.add(new DecodeError(Wire.NOTAG, Errno.EPROTO, "frame size " + size, false));
            discard = size;
            skip(in);
            return;
        }
        if (size > msize.getAsInt()) {
            if (in.readableBytes() < Wire.HEADER_SIZE) {
                return;
            }
            int tag = in.getUnsignedShortLE(start + 5);
            out.add(new DecodeError(tag, Errno.EMSGSIZE,
                "frame size " + size + " > msize " + msize.getAsInt(), false));
            discard = size;
            skip(in);
            return;
        }
        if (in.readableBytes() < size) {
            return;
        }
        ByteBuf frame = in.readSlice((int) size);
        frame.skipBytes(4);
        int typeId = frame.readUnsignedByte();
        int tag = frame.readUnsignedShortLE();
        MessageType type = MessageType.of(typeId);
        if (type == null) {
            out.add(new DecodeError(tag, Errno.EOPNOTSUPP, "unknown type " + typeId, false));
            return;
        }
        try {
            out.add(new Fcall(tag, type.decode(frame)));
        } catch (MalformedFrameException e) {
            out.add(new DecodeError(tag, e.errno(), type + ": " + e.getMessage(), false));
        }
    }

    /** Skips bytes of a rejected frame (a decoder must consume input when it emits). */
    private long skip(ByteBuf in) {
        int n = (int) Math.min(discard, in.readableBytes());
        in.skipBytes(n);
        discard -= n;
        return discard;
    }
}
