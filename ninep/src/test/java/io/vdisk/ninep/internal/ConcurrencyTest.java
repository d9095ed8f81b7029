package io.vdisk.ninep.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.ninep.Errno;
import io.vdisk.ninep.MemoryFileServer;
import io.vdisk.ninep.NinePClient;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.NinePServer;
import io.vdisk.ninep.OpenFile;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Requests of one connection run concurrently, and Tflush answers after the flushed request
 * without a stray reply. A {@link GatedFileServer} blocks reads on latches to make that visible.
 */
class ConcurrencyTest {
    private static final int PARALLEL = 8;

    /** Reads wait on a latch; counts how many are inside read() at once. Thread-safe. */
    static final class GatedFileServer extends DelegatingFileServer {
        final CountDownLatch allInside;
        final CountDownLatch gate;
        final CountDownLatch entered = new CountDownLatch(1);
        final AtomicInteger inside = new AtomicInteger();
        final AtomicInteger maxInside = new AtomicInteger();

        GatedFileServer(MemoryFileServer fs, int parties, CountDownLatch gate) {
            super(fs);
            this.allInside = new CountDownLatch(parties);
            this.gate = gate;
        }

        @Override
        OpenFile wrap(OpenFile f) {
            return new OpenFile() {
                @Override
                public int read(long offset, ByteBuffer dst) throws NinePException {
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    entered.countDown();
                    allInside.countDown();
                    try {
                        if (!allInside.await(30, TimeUnit.SECONDS)
                            || !gate.await(30, TimeUnit.SECONDS)) {
                            throw new NinePException(Errno.EIO, "reads were not concurrent");
                        }
                    } catch (InterruptedException e) {
                        throw new NinePException(Errno.EIO, "interrupted");
                    } finally {
                        inside.decrementAndGet();
                    }
                    return f.read(offset, dst);
                }
            };
        }
    }

    @Test
    void readsOfOneBigFileOnOneConnectionRunInParallel() throws Exception {
        MemoryFileServer mem = new MemoryFileServer("/");
        byte[] data = new byte[PARALLEL * 65536];
        new Random(7).nextBytes(data);
        mem.put("big", data);
        GatedFileServer fs = new GatedFileServer(mem, PARALLEL, new CountDownLatch(0));
        try (NinePServer server = NinePServer.builder(fs).workerThreads(PARALLEL + 2).start();
            NinePClient c = NinePClient.connect(server.localAddress(), 65536 + 11,
                java.time.Duration.ofSeconds(60))) {
            int root = c.newFid();
            c.attach(root, "", 0, "");
            int f = c.walk(root, "big");
            c.lopen(f, NinePClient.O_RDONLY);
            byte[] back = new byte[data.length];
            assertEquals(data.length, c.read(f, 0, back, 0, back.length));
            assertArrayEquals(data, back);
            assertEquals(PARALLEL, fs.maxInside.get());
        }
    }

    @Test
    void flushOfARunningReadAnswersRflushAndDropsTheRead() throws Exception {
        MemoryFileServer mem = new MemoryFileServer("/");
        mem.put("f", new byte[100]);
        CountDownLatch gate = new CountDownLatch(1);
        GatedFileServer fs = new GatedFileServer(mem, 1, gate);
        try (NinePServer server = NinePServer.builder(fs).start();
            RawConnection c = new RawConnection(server.localAddress(), 30_000)) {
            c.handshake(8192);
            assertEquals(MessageType.RWALK,
                c.rpc(2, new IoMessages.Twalk(0, 1, List.of("f"))).type());
            assertEquals(MessageType.RLOPEN,
                c.rpc(3, new IoMessages.Topen(MessageType.TLOPEN, 1, 0)).type());
            c.send(5, new IoMessages.Tread(MessageType.TREAD, 1, 0, 100));
            assertTrue(fs.entered.await(30, TimeUnit.SECONDS));
            c.send(6, new SessionMessages.Tflush(5));
            gate.countDown();
            Fcall r = c.receive();
            if (r.tag() == 5) {
                // the read finished before the server saw Tflush: its reply may come first
                assertEquals(MessageType.RREAD, r.type());
                r.release();
                r = c.receive();
            }
            assertEquals(6, r.tag());
            assertEquals(MessageType.RFLUSH, r.type());
            // the tag is free again and nothing else is queued before this reply
            assertEquals(MessageType.RCLUNK,
                c.rpc(5, new SessionMessages.FidRequest(MessageType.TCLUNK, 1)).type());
        }
    }
}
