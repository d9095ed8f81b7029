package io.vdisk.ninep.internal;

/**
 * One framed 9P message: a tag and a body. Immutable; {@link #release()} releases the body's
 * buffer if it holds one.
 *
 * @param tag the tag (0..65535)
 * @param body the message
 */
public record Fcall(int tag, Message body) {
    /** @return the message type */
    public MessageType type() {
        return body.type();
    }

    /** Releases the body's buffer, if any. */
    public void release() {
        body.release();
    }
}
