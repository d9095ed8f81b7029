package io.vdisk.nbd.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Encodes handshake-phase option replies:
 *
 * <pre>
 * | size | field                          |
 * |------|--------------------------------|
 * | 8    | magic 0x3e889045565a9          |
 * | 4    | option being answered          |
 * | 4    | reply type (ACK, SERVER, ...)  |
 * | 4    | length of the data             |
 * | n    | data                           |
 * </pre>
 *
 * Stateless, thread-safe.
 */
final class OptionReplies {
    private OptionReplies() {
    }

    static ByteBuf reply(ByteBufAllocator alloc, int option, int type, ByteBuf data) {
        int len = data == null ? 0 : data.readableBytes();
        ByteBuf b = alloc.buffer(20 + len);
        b.writeLong(Nbd.OPT_REPLY_MAGIC).writeInt(option).writeInt(type).writeInt(len);
        if (data != null) {
            b.writeBytes(data);
            data.release();
        }
        return b;
    }

    static ByteBuf ack(ByteBufAllocator alloc, int option) {
        return reply(alloc, option, Nbd.REP_ACK, null);
    }

    /** An error reply with a message for humans. */
    static ByteBuf error(ByteBufAllocator alloc, int option, int type, String message) {
        ByteBuf d = alloc.buffer();
        d.writeCharSequence(message, StandardCharsets.UTF_8);
        return reply(alloc, option, type, d);
    }

    static ByteBuf server(ByteBufAllocator alloc, int option, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuf d = alloc.buffer(4 + n.length);
        d.writeInt(n.length).writeBytes(n);
        return reply(alloc, option, Nbd.REP_SERVER, d);
    }

    static ByteBuf infoExport(ByteBufAllocator alloc, int option, long size, int flags) {
        ByteBuf d = alloc.buffer(12);
        d.writeShort(Nbd.INFO_EXPORT).writeLong(size).writeShort(flags);
        return reply(alloc, option, Nbd.REP_INFO, d);
    }

    static ByteBuf infoText(ByteBufAllocator alloc, int option, int info, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf d = alloc.buffer(2 + t.length);
        d.writeShort(info).writeBytes(t);
        return reply(alloc, option, Nbd.REP_INFO, d);
    }

    static ByteBuf infoBlockSize(ByteBufAllocator alloc, int option) {
        ByteBuf d = alloc.buffer(14);
        d.writeShort(Nbd.INFO_BLOCK_SIZE).writeInt(1).writeInt(4096).writeInt(Nbd.MAX_PAYLOAD);
        return reply(alloc, option, Nbd.REP_INFO, d);
    }

    static ByteBuf metaContext(ByteBufAllocator alloc, int option, int id, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuf d = alloc.buffer(4 + n.length);
        d.writeInt(id).writeBytes(n);
        return reply(alloc, option, Nbd.REP_META_CONTEXT, d);
    }
}
