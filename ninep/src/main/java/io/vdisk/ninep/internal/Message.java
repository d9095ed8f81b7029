package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;

/**
 * The body of one 9P message (everything after {@code size[4] type[1] tag[2]}). Implementations
 * are immutable records, one per message or per family of same-shaped messages; the few that hold
 * a buffer slice ({@link IoMessages.Twrite}, {@link IoMessages.Rread}) are released once with
 * {@link #release()}.
 */
public interface Message {
    /** @return the message type */
    MessageType type();

    /** Writes the body. */
    void encode(ByteBuf out);

    /** Releases a held buffer, if any. */
    default void release() {
    }
}
