package io.vdisk.venti;

import java.nio.ByteBuffer;

/**
 * Where a read puts its bytes, in order, without necessarily copying them. A reader either
 * {@link #share shares} bytes that never change (a cached block, zeros), which the gatherer may
 * keep by reference, or asks for room to {@link #fill} with bytes of its own.
 *
 * <p>A network reply gathers shared pieces straight into one vectored socket write, where a copy
 * into one buffer cost a fifth of a streaming read's CPU. {@link #into} gathers into a buffer
 * for callers that want the bytes copied.
 *
 * <p>Not thread-safe: one reader fills a gatherer at a time.
 */
public interface Gather {
    /**
     * Appends {@code piece}'s remaining bytes, which do not change until {@code release} runs.
     * The gatherer may keep the buffer instead of copying it; it runs {@code release} exactly
     * once, when it no longer needs the bytes (at once if it copied them). The piece's position
     * is not moved.
     */
    void share(ByteBuffer piece, Runnable release);

    /** {@link #share(ByteBuffer, Runnable)} of bytes that never change. */
    default void share(ByteBuffer piece) {
        share(piece, NO_RELEASE);
    }

    /** A release that does nothing, for bytes that never change. */
    Runnable NO_RELEASE = () -> {
    };

    /**
     * Appends {@code n} bytes that the caller writes, before its next call on this gatherer, into
     * the returned buffer (position 0 to limit {@code n}).
     */
    ByteBuffer fill(int n);

    /** Appends {@code n} zero bytes. */
    default void zeros(int n) {
        while (n > 0) {
            int k = Math.min(n, ZEROS.capacity());
            share(ZEROS.slice(0, k));
            n -= k;
        }
    }

    /** Read-only zeros to share; direct, so they go to a socket without a copy. */
    ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 10).asReadOnlyBuffer();

    /**
     * Gathers into {@code dst}: shared pieces are copied, filled ones are slices of it. Its
     * position advances by each piece as the piece arrives.
     */
    static Gather into(ByteBuffer dst) {
        return new Gather() {
            @Override
            public void share(ByteBuffer piece, Runnable release) {
                try {
                    dst.put(piece.duplicate());
                } finally {
                    release.run();
                }
            }

            @Override
            public ByteBuffer fill(int n) {
                ByteBuffer room = dst.slice(dst.position(), n);
                dst.position(dst.position() + n);
                return room;
            }

            @Override
            public void zeros(int n) {
                ZeroTruncation.fill(dst, n);
            }
        };
    }
}
