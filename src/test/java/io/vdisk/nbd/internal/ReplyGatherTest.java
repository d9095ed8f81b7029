package io.vdisk.nbd.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReplyGatherTest {
    private static final PooledByteBufAllocator ALLOC = new PooledByteBufAllocator(true);

    private static ByteBuffer readOnly(String s) {
        ByteBuffer b = ByteBuffer.allocateDirect(s.length());
        b.put(s.getBytes()).flip();
        return b.asReadOnlyBuffer();
    }

    private static ByteBuf header() {
        return ALLOC.directBuffer(4).writeBytes("HDR:".getBytes());
    }

    @Test
    void sharedAndFilledPiecesGoOutInOrderAndAreReleasedWithTheReply() {
        AtomicInteger released = new AtomicInteger();
        ReplyGather g = new ReplyGather(ALLOC, 14);
        g.share(readOnly("abc"), released::incrementAndGet);
        g.fill(2).put("de".getBytes());
        g.fill(2).put("fg".getBytes()); // contiguous with the fill before: one piece
        g.zeros(3);
        g.share(readOnly("hij"), released::incrementAndGet);
        g.fill(1).put("k".getBytes());
        ByteBuf reply = g.reply(header());
        assertTrue(reply.isDirect(), "a heap piece would make the socket write copy them all");
        byte[] got = new byte[reply.readableBytes()];
        reply.getBytes(0, got);
        assertArrayEquals("HDR:abcdefg\0\0\0hijk".getBytes(), got);
        assertEquals(0, released.get(), "released before the socket took the bytes");
        reply.release();
        assertEquals(2, released.get());
    }

    @Test
    void aShortReadReleasesEverythingAndFails() {
        AtomicInteger released = new AtomicInteger();
        ReplyGather g = new ReplyGather(ALLOC, 10);
        g.share(readOnly("abc"), released::incrementAndGet);
        g.fill(2);
        ByteBuf h = header();
        assertThrows(IllegalStateException.class, () -> g.reply(h));
        assertEquals(0, h.refCnt());
        assertEquals(1, released.get());
    }

    @Test
    void gatheringMoreThanAskedFailsAndReleaseStillFreesAll() {
        AtomicInteger released = new AtomicInteger();
        ReplyGather g = new ReplyGather(ALLOC, 4);
        g.fill(2);
        assertThrows(IllegalStateException.class,
            () -> g.share(readOnly("abc"), released::incrementAndGet));
        g.release();
        g.release(); // idempotent
        assertEquals(1, released.get());
    }
}
