package io.vdisk.it.ninep;

import static io.vdisk.it.ninep.Raw9p.body;
import static io.vdisk.it.ninep.Raw9p.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import io.vdisk.it.ninep.Raw9p.Reply;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePClient;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to a real {@code vdisk serve}: each malformed or wrong request gets an Rlerror with
 * the right errno, and a second connection keeps being served throughout.
 */
class BadFramesIT {
    private static final int MSIZE = 8192;
    @TempDir
    Path tmp;

    @Test
    void badFramesGetErrorsAndOtherClientsAreStillServed() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        byte[] disk = new byte[1 << 20];
        new Random(5).nextBytes(disk);
        Files.write(tmp.resolve("d.raw"), disk);
        Run.vdisk(root, "init");
        Run.vdisk(root, "import", tmp.resolve("d.raw").toString(), "vm.vdisk");
        try (ServerProcess s = ServerProcess.start(root);
            NinePClient good = NinePClient.connect(new InetSocketAddress("127.0.0.1", s
                .ninepPort()))) {
            int gr = good.newFid();
            good.attach(gr, "", 0, "/");
            try (Raw9p bad = new Raw9p(s.ninepPort())) {
                bad.handshake(MSIZE);
                // A frame shorter than a header: skipped, answered on NOTAG.
                bad.send(new byte[]{5, 0, 0, 0, 1});
                expect(bad.receive(), Raw9p.NOTAG, Errno.EPROTO);
                // Larger than msize: refused on its tag, its bytes discarded.
                byte[] big = frame(Raw9p.TWRITE, 7, body().u32(0).u64(0).u32(MSIZE).bytes(
                    new byte[MSIZE]));
                bad.send(big);
                expect(bad.receive(), 7, Errno.EMSGSIZE);
                stillServes(good, gr, disk);
                // Unknown message type.
                expect(bad.rpc(250, 8, body().u32(0)), 8, Errno.EOPNOTSUPP);
                // A string whose length runs past the end of the frame.
                expect(bad.rpc(Raw9p.TWALK, 9, body().u32(0).u32(1).u16(1).u16(200).bytes(
                    "abc".getBytes())), 9, Errno.EPROTO);
                // A fid nobody attached.
                expect(bad.rpc(Raw9p.TGETATTR, 10, body().u32(999).u64(0x3fff)), 10,
                    Errno.EBADF);
                // More than 16 names in one walk.
                Raw9p.Body walk = body().u32(0).u32(2).u16(17);
                for (int i = 0; i < 17; i++) {
                    walk.str("..");
                }
                Reply w = bad.rpc(Raw9p.TWALK, 11, walk);
                assertEquals(Raw9p.RLERROR, w.type(), "17 names: " + w);
                // The hidden store folder does not exist for clients.
                expect(bad.rpc(Raw9p.TWALK, 12, body().u32(0).u32(3).u16(1).str(".vdisk")), 12,
                    Errno.ENOENT);
                // Read past the end of a disk: zero bytes, not an error.
                assertEquals(Raw9p.TWALK + 1, bad.rpc(Raw9p.TWALK, 13, body().u32(0).u32(4).u16(1)
                    .str("vm.vdisk")).type());
                assertEquals(Raw9p.TLOPEN + 1, bad.rpc(Raw9p.TLOPEN, 14, body().u32(4).u32(0))
                    .type());
                Reply r = bad.rpc(Raw9p.TREAD, 15, body().u32(4).u64(disk.length + 4096L).u32(
                    4096));
                assertEquals(Raw9p.TREAD + 1, r.type(), r.toString());
                assertEquals(0, r.body().getInt(0), "bytes past the end");
                // Writing into a snapshot: EROFS at open.
                int snap = snapshotFid(bad, 16);
                expect(bad.rpc(Raw9p.TLOPEN, 20, body().u32(snap).u32(2)), 20, Errno.EROFS);
                stillServes(good, gr, disk);
                // A size below 4 loses the framing: the server closes this connection only.
                bad.send(new byte[]{2, 0, 0, 0, 0, 0, 0});
                Reply last = bad.receive();
                if (last != null) {
                    assertEquals(Raw9p.RLERROR, last.type());
                    assertNull(bad.receive(), "connection closed after a lost frame");
                }
            }
            stillServes(good, gr, disk);
            assertTrue(s.isAlive());
        }
    }

    /** Walks fid 0 to the one snapshot file as fid 5; @return 5 */
    private static int snapshotFid(Raw9p c, int tag) throws Exception {
        // .snapshots/YYYY/MMDD/HHMMSS/vm.vdisk: the date parts come from a listing of each level.
        Raw9p.Body walk = body().u32(0).u32(5).u16(1).str(".snapshots");
        assertEquals(Raw9p.TWALK + 1, c.rpc(Raw9p.TWALK, tag, walk).type());
        for (int level = 0; level < 3; level++) {
            assertEquals(Raw9p.TWALK + 1, c.rpc(Raw9p.TWALK, tag, body().u32(5).u32(6).u16(0))
                .type());
            assertEquals(Raw9p.TLOPEN + 1, c.rpc(Raw9p.TLOPEN, tag, body().u32(6).u32(0)).type());
            Reply d = c.rpc(40, tag, body().u32(6).u64(0).u32(4096)); // Treaddir
            assertEquals(41, d.type(), d.toString());
            var b = d.body();
            b.position(4 + 13 + 8 + 1);
            byte[] name = new byte[b.getShort() & 0xffff];
            b.get(name);
            c.rpc(120, tag, body().u32(6)); // Tclunk
            assertEquals(Raw9p.TWALK + 1, c.rpc(Raw9p.TWALK, tag, body().u32(5).u32(5).u16(1).str(
                new String(name))).type());
        }
        assertEquals(Raw9p.TWALK + 1, c.rpc(Raw9p.TWALK, tag, body().u32(5).u32(5).u16(1).str(
            "vm.vdisk")).type());
        return 5;
    }

    private static void expect(Reply r, int tag, int errno) {
        assertNotNull(r, "no reply: connection closed");
        assertEquals(Raw9p.RLERROR, r.type(), () -> "expected Rlerror " + errno + ", got " + r);
        assertEquals(tag, r.tag());
        assertEquals(errno, r.errno());
    }

    private static void stillServes(NinePClient c, int root, byte[] disk) throws Exception {
        int f = c.walk(root, "vm.vdisk");
        c.lopen(f, NinePClient.O_RDONLY);
        byte[] head = new byte[4096];
        assertEquals(head.length, c.read(f, 0, head, 0, head.length));
        assertArrayEquals(Arrays.copyOf(disk, head.length), head);
        c.clunk(f);
    }
}
