package io.vdisk.ninep.internal;

/**
 * What the frame decoder emits instead of a message when a frame is bad: the handler answers it
 * with {@code Rlerror}/{@code Rerror} on {@code tag} and, if {@code fatal}, closes the connection
 * after the reply because framing is lost. Immutable.
 *
 * @param tag the tag to answer on ({@link Wire#NOTAG} when none could be read)
 * @param errno the Linux errno
 * @param reason a description for logs
 * @param fatal whether the connection must be closed
 */
public record DecodeError(int tag, int errno, String reason, boolean fatal) {
}
