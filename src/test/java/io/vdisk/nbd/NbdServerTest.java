package io.vdisk.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NBD server over TCP with a byte-array disk: a hand-rolled client for malformed input, and
 * qemu-io / nbdinfo (when installed) for what real clients do.
 */
class NbdServerTest {
    private static final int SIZE = 4 << 20;
    private final byte[] disk = new byte[SIZE];
    private final byte[] snap = new byte[SIZE];
    private NbdServer server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        new Random(5).nextBytes(disk);
        Arrays.fill(disk, 1 << 20, 2 << 20, (byte) 0);
        System.arraycopy(disk, 0, snap, 0, SIZE);
        Map<String, NbdExport> exports = Map.of("vm.vdisk", new MemoryExport(disk, false),
            "vm.vdisk@1", new MemoryExport(snap, true), "full.vdisk", new FullExport());
        server = NbdServer.start(new InetSocketAddress("127.0.0.1", 0), new NbdExports() {
            @Override
            public List<String> list() {
                return List.of("vm.vdisk", "vm.vdisk@1");
            }

            @Override
            public NbdExport open(String name) throws IOException {
                NbdExport e = exports.get(name);
                if (e == null) throw new NoSuchFileException(name);
                return e;
            }
        }, 4);
        port = server.address().getPort();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Newstyle handshake then GO; returns the streams in transmission phase. */
    private Conn go(String name, boolean structured) throws IOException {
        Conn c = new Conn(new Socket("127.0.0.1", port));
        assertEquals(0x4e42444d41474943L, c.in.readLong());
        assertEquals(0x49484156454F5054L, c.in.readLong());
        assertEquals(3, c.in.readUnsignedShort());
        c.out.writeInt(3);
        if (structured) {
            c.option(8, new byte[0]);
            assertEquals(1, c.optionReply()[0]);
        }
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + n.length + 2);
        b.putInt(n.length).put(n).putShort((short) 0);
        c.option(7, b.array());
        int[] r = c.optionReply();
        assertEquals(3, r[0], "expected NBD_REP_INFO");
        c.optionReply(); // ACK
        return c;
    }

    @Test
    void readWriteFlushWithSimpleReplies() throws Exception {
        try (Conn c = go("vm.vdisk", false)) {
            byte[] data = "hello, nbd".getBytes(StandardCharsets.UTF_8);
            c.request(0, 1, 7, 4096, data.length, data);
            assertEquals(0, c.simpleReply(7));
            c.request(0, 0, 8, 4096, data.length, null);
            assertEquals(0, c.simpleReply(8));
            byte[] got = new byte[data.length];
            c.in.readFully(got);
            assertArrayEquals(data, got);
            c.request(0, 3, 9, 0, 0, null);
            assertEquals(0, c.simpleReply(9));
        }
    }

    /**
     * A client that queues a gigabyte of reads before taking any reply: the server stops reading
     * while its replies back up, and carries on once they drain.
     */
    @Test
    void readsQueuedFasterThanTheirRepliesAreTakenAllGetAnswered() throws Exception {
        try (Conn c = go("vm.vdisk", false)) {
            int n = 1024;
            ByteArrayOutputStream reqs = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(reqs);
            for (int i = 0; i < n; i++)
                Conn.encode(d, 0, 0, i, 0, 1 << 20, null); // READ
            c.out.write(reqs.toByteArray());
            c.out.flush();
            byte[] got = new byte[1 << 20];
            Set<Long> handles = new HashSet<>();
            for (int i = 0; i < n; i++) {
                assertEquals(0x67446698, c.in.readInt());
                assertEquals(0, c.in.readInt());
                handles.add(c.in.readLong());
                c.in.readFully(got);
            }
            assertEquals(n, handles.size());
            assertArrayEquals(Arrays.copyOf(disk, 1 << 20), got);
        }
    }

    /** Replies answered on the event loop wait for the end of a read batch: DISC flushes them. */
    @Test
    void aWriteSentWithTheDisconnectIsAnsweredFirst() throws Exception {
        try (Conn c = go("vm.vdisk", false)) {
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            DataOutputStream d = new DataOutputStream(both);
            byte[] data = "last words".getBytes(StandardCharsets.UTF_8);
            Conn.encode(d, 0, 1, 11, 8192, data.length, data); // WRITE
            Conn.encode(d, 0, 2, 12, 0, 0, null); // DISC
            c.out.write(both.toByteArray()); // one segment: both requests in one read batch
            c.out.flush();
            assertEquals(0, c.simpleReply(11));
            assertEquals(-1, c.in.read(), "the server closes after the reply");
            assertArrayEquals(data, Arrays.copyOfRange(disk, 8192, 8192 + data.length));
        }
    }

    @Test
    void badRequestsGetErrnoAndTheConnectionCarriesOn() throws Exception {
        try (Conn c = go("vm.vdisk", false); Conn ro = go("vm.vdisk@1", false)) {
            c.request(0, 0, 1, SIZE - 10, 20, null);
            assertEquals(22, c.simpleReply(1), "read past the end: EINVAL");
            c.request(0, 1, 2, SIZE - 1, 2, new byte[2]);
            assertEquals(28, c.simpleReply(2), "write past the end: ENOSPC");
            c.request(0, 42, 3, 0, 0, null);
            assertEquals(22, c.simpleReply(3), "unknown command: EINVAL");
            c.request(0, 0, 4, 0, 64 << 20, null);
            assertEquals(22, c.simpleReply(4), "oversized read: EINVAL");
            c.request(0, 7, 5, 0, 4096, null);
            assertEquals(22, c.simpleReply(5), "block status without a context: EINVAL");
            ro.request(0, 1, 6, 0, 4, new byte[4]);
            assertEquals(1, ro.simpleReply(6), "write to a snapshot: EPERM");
            ro.request(0, 4, 7, 0, 4096, null);
            assertEquals(1, ro.simpleReply(7), "trim of a snapshot: EPERM");
            c.request(0, 0, 8, 0, 4, null);
            assertEquals(0, c.simpleReply(8));
            c.in.readFully(new byte[4]);
        }
    }

    /**
     * A disk whose file system is full, as the journal's is when its writes fail: the JDK says
     * so only in the message. Reads fail for another reason.
     */
    private static final class FullExport implements NbdExport {
        @Override
        public long size() {
            return SIZE;
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public boolean flushCoversAllConnections() {
            return true;
        }

        @Override
        public void read(long offset, java.nio.ByteBuffer dst) throws IOException {
            throw new IOException("arena-000000.vda offset 4096: block does not match its score");
        }

        @Override
        public void write(long offset, java.nio.ByteBuffer... src) throws IOException {
            throw new IOException("No space left on device");
        }

        @Override
        public void flush() throws IOException {
            throw new IOException("final flush failed",
                new IOException("Disk quota exceeded"));
        }

        @Override
        public void zero(long offset, long length) throws IOException {
            throw new UncheckedIOException(new IOException("No space left on device"));
        }

        @Override
        public List<Extent> extents(long offset, long length) {
            return List.of(new Extent(length, false));
        }

        @Override
        public void close() {
        }
    }

    /** ENOSPC lets QEMU's default werror=enospc pause the guest rather than fail its write. */
    @Test
    void aFullFileSystemIsReportedAsEnospcAndOtherFailuresAsEio() throws Exception {
        try (Conn c = go("full.vdisk", false)) {
            c.request(0, 1, 1, 0, 4, new byte[4]);
            assertEquals(28, c.simpleReply(1), "write on a full file system: ENOSPC");
            c.request(0, 3, 2, 0, 0, null);
            assertEquals(28, c.simpleReply(2), "flush failing for want of quota: ENOSPC");
            c.request(0, 6, 3, 0, 4096, null);
            assertEquals(28, c.simpleReply(3), "write zeroes: ENOSPC");
            c.request(0, 0, 4, 0, 4, null);
            assertEquals(5, c.simpleReply(4), "a damaged block: EIO");
        }
        try (Conn c = go("vm.vdisk", false)) { // and the server carries on
            c.request(0, 0, 5, 0, 4, null);
            assertEquals(0, c.simpleReply(5));
            c.in.readFully(new byte[4]);
        }
    }

    @Test
    void oversizedWriteGetsAnErrorThenADisconnectAndOthersCarryOn() throws Exception {
        try (Conn bad = go("vm.vdisk", false); Conn good = go("vm.vdisk", false)) {
            bad.request(0, 1, 1, 0, 64 << 20, null);
            assertEquals(75, bad.simpleReply(1));
            assertEquals(-1, bad.in.read(), "connection should be closed");
            good.request(0, 3, 2, 0, 0, null);
            assertEquals(0, good.simpleReply(2));
        }
    }

    @Test
    void garbageHandshakeAndVanishingClientsDoNotHurtTheServer() throws Exception {
        Random rnd = new Random(9);
        for (int i = 0; i < 50; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(5000);
                byte[] junk = new byte[rnd.nextInt(200)];
                rnd.nextBytes(junk);
                s.getOutputStream().write(junk);
                if (i % 2 == 0) s.getInputStream().read(new byte[18]);
            } catch (IOException expected) {
                // the server may close first
            }
        }
        try (Conn c = go("vm.vdisk", true)) {
            c.request(0, 1, 3, 0, 4, new byte[]{1, 2, 3, 4}); // then vanish mid-request:
            c.out.writeInt(0x25609513);
        }
        try (Conn c = go("vm.vdisk", false)) {
            c.request(0, 3, 1, 0, 0, null);
            assertEquals(0, c.simpleReply(1));
        }
    }

    @Test
    void unknownOptionsAndExportsGetErrorReplies() throws Exception {
        try (Conn c = new Conn(new Socket("127.0.0.1", port))) {
            c.in.readFully(new byte[18]);
            c.out.writeInt(1);
            c.option(99, new byte[3]);
            assertEquals(0x80000001, c.optionReply()[0]);
            byte[] n = "nope.vdisk".getBytes(StandardCharsets.UTF_8);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + n.length + 2);
            b.putInt(n.length).put(n).putShort((short) 0);
            c.option(7, b.array());
            assertEquals(0x80000006, c.optionReply()[0]);
            c.option(7, new byte[]{0, 0, 1, 0}); // truncated
            assertEquals(0x80000003, c.optionReply()[0]);
            c.option(10, new byte[8]); // SET_META_CONTEXT before structured replies
            assertEquals(0x80000003, c.optionReply()[0]);
            c.option(3, new byte[0]);
            assertEquals(2, c.optionReply()[0]);
            assertEquals(2, c.optionReply()[0]);
            assertEquals(1, c.optionReply()[0]);
        }
    }

    @Test
    void qemuIoWritesAndReadsPatterns() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/qemu-io")), "qemu-io not installed");
        String url = "nbd://127.0.0.1:" + port + "/vm.vdisk";
        run("qemu-io", "-f", "raw", "-c", "write -P 0xab 65536 131072", "-c", "flush",
            "-c", "write -z 0 4096", url);
        run("qemu-io", "-f", "raw", "-c", "read -P 0xab 65536 131072", "-c",
            "read -P 0 0 4096", url);
        for (int i = 65536; i < 65536 + 131072; i++)
            assertEquals((byte) 0xab, disk[i]);
        String map = run("qemu-img", "map", "--output=json", "-f", "raw", url);
        assertTrue(map.contains("\"zero\": true"), map);
    }

    @Test
    void nbdinfoListsExports() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/nbdinfo")), "nbdinfo not installed");
        String out = run("nbdinfo", "--list", "nbd://127.0.0.1:" + port);
        assertTrue(out.contains("vm.vdisk@1"), out);
        String info = run("nbdinfo", "nbd://127.0.0.1:" + port + "/vm.vdisk@1");
        assertTrue(info.contains("is_read_only: true"), info);
        assertTrue(info.contains("can_multi_conn: true"), info);
    }

    private static String run(String... cmd) throws Exception {
        Path out = Files.createTempFile("nbd-client", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).start();
            boolean exited = p.waitFor(120, TimeUnit.SECONDS);
            if (!exited) p.destroyForcibly();
            String text = Files.readString(out);
            assertTrue(exited, "no exit: " + String.join(" ", cmd) + ":\n" + text);
            assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + text);
            assertTrue(!text.contains("Pattern verification failed"), text);
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static final class Conn implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;

        Conn(Socket s) throws IOException {
            socket = s;
            s.setSoTimeout(10_000);
            in = new DataInputStream(s.getInputStream());
            out = new DataOutputStream(s.getOutputStream());
        }

        void option(int opt, byte[] data) throws IOException {
            out.writeLong(0x49484156454F5054L);
            out.writeInt(opt);
            out.writeInt(data.length);
            out.write(data);
            out.flush();
        }

        /** @return {type, length}; the data is skipped */
        int[] optionReply() throws IOException {
            assertEquals(0x0003e889045565a9L, in.readLong());
            in.readInt();
            int type = in.readInt();
            int len = in.readInt();
            in.readFully(new byte[len]);
            return new int[]{type, len};
        }

        void request(int flags, int type, long handle, long offset, long length, byte[] data)
            throws IOException {
            encode(out, flags, type, handle, offset, length, data);
            out.flush();
        }

        static void encode(DataOutputStream out, int flags, int type, long handle, long offset,
            long length, byte[] data) throws IOException {
            out.writeInt(0x25609513);
            out.writeShort(flags);
            out.writeShort(type);
            out.writeLong(handle);
            out.writeLong(offset);
            out.writeInt((int) length);
            if (data != null) out.write(data);
        }

        int simpleReply(long handle) throws IOException {
            assertEquals(0x67446698, in.readInt());
            int err = in.readInt();
            assertEquals(handle, in.readLong());
            return err;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
