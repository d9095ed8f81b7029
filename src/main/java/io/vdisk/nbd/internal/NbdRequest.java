package io.vdisk.nbd.internal;

import io.netty.buffer.ByteBuf;

/**
 * One transmission-phase request:
 *
 * <pre>
 * | size | field                                        |
 * |------|----------------------------------------------|
 * | 4    | magic 0x25609513                             |
 * | 2    | command flags (FUA, NO_HOLE, DF, REQ_ONE...) |
 * | 2    | type (READ, WRITE, DISC, FLUSH, TRIM, ...)   |
 * | 8    | handle, echoed in the reply                  |
 * | 8    | offset                                       |
 * | 4    | length                                       |
 * | n    | data, for WRITE only (n = length)            |
 * </pre>
 *
 * {@code oversized} marks a WRITE whose payload exceeds our limit: it was not read, so the
 * connection must end after the error reply. {@code data} is a retained slice of the socket's
 * buffer, so a write's payload reaches the journal without a copy; whoever handles the request
 * releases it ({@link #release()}). Immutable.
 */
record NbdRequest(int flags, int type, long handle, long offset, long length, ByteBuf data,
    boolean oversized) {
    static final int HEADER_SIZE = 28;

    void release() {
        if (data != null) data.release();
    }
}
