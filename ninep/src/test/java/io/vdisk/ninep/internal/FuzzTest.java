package io.vdisk.ninep.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vdisk.ninep.Attr;
import io.vdisk.ninep.LockRequest;
import io.vdisk.ninep.MemoryFileServer;
import io.vdisk.ninep.NinePClient;
import io.vdisk.ninep.NinePServer;
import io.vdisk.ninep.SetAttr;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Throws random and mutated frames at a real server over TCP for a fixed number of iterations,
 * then checks that a connection opened before the storm and a fresh one both still work. The
 * seed is printed; rerun one with {@code -Dninep.fuzz.seed=N}.
 */
class FuzzTest {
    private static final int CONNECTIONS = 300;
    private static final int FRAMES_PER_CONNECTION = 24;

    @Test
    void serverSurvivesRandomAndMutatedFrames() throws Exception {
        long seed = Long.getLong("ninep.fuzz.seed", System.nanoTime());
        System.out.println("FuzzTest seed=" + seed + " (rerun with -Dninep.fuzz.seed=" + seed
            + ")");
        Random rnd = new Random(seed);
        MemoryFileServer fs = new MemoryFileServer("/srv/mem");
        fs.put("f.txt", MemoryFileServer.utf8("fuzz me"));
        fs.put("d/g.txt", MemoryFileServer.utf8("and me"));
        // Checked after the storm. Well-formed frames may rename or unlink what name() can
        // name (d, g.txt), as a client may; nothing can walk to these names.
        fs.put("keep/sentinel", MemoryFileServer.utf8("still here"));
        try (NinePServer server = NinePServer.builder(fs).maxMsize(65536).start();
            NinePClient before = NinePClient.connect(server.localAddress())) {
            int root = before.newFid();
            before.attach(root, "", 0, "");
            for (int i = 0; i < CONNECTIONS; i++) {
                try {
                    storm(server, rnd, seed, i);
                } catch (AssertionError e) {
                    throw new AssertionError("seed " + seed + ", connection " + i + ": "
                        + e.getMessage(), e);
                }
            }
            int f = before.walk(root, "keep/sentinel");
            before.lopen(f, NinePClient.O_RDONLY);
            assertArrayEquals(MemoryFileServer.utf8("still here"), before.readAll(f));
            try (NinePClient after = NinePClient.connect(server.localAddress())) {
                int r = after.newFid();
                after.attach(r, "nobody", -1, "/srv/mem");
                int g = after.walk(r, "keep/sentinel");
                assertEquals(10, after.getattr(g).size());
            }
        }
    }

    /** One connection: maybe a handshake, then a burst of bad frames, then EOF. */
    private static void storm(NinePServer server, Random rnd, long seed, int i)
        throws IOException {
        try (RawConnection c = new RawConnection(server.localAddress(), 20_000)) {
            if (rnd.nextInt(10) < 8) {
                c.handshake(rnd.nextBoolean() ? 65536 : 4096 + rnd.nextInt(60000));
            }
            try {
                for (int k = 0; k < FRAMES_PER_CONNECTION; k++) {
                    c.sendRaw(rnd.nextInt(6) == 0 ? randomBytes(rnd) : mutate(rnd, valid(rnd)));
                }
                c.socket.shutdownOutput();
            } catch (IOException closedByServer) {
                // a frame with size < 4 loses framing: the server closes that connection only
                return;
            }
            // the server must answer what it can and then close: never hang the connection
            byte[] buf = new byte[65536];
            try {
                while (c.socket.getInputStream().read(buf) >= 0) {
                    // drain
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("server neither answered nor closed", e);
            } catch (IOException reset) {
                // the server may reset a connection it closed with unread input: fine
            }
        }
    }

    private static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[rnd.nextInt(80)];
        rnd.nextBytes(b);
        return b;
    }

    private static String name(Random rnd) {
        String[] names = {"f.txt", "d", "g.txt", "..", ".", "", "x/y", "new", "\0", "ü"};
        return names[rnd.nextInt(names.length)];
    }

    /** A well-formed request with random fids and arguments. */
    private static byte[] valid(Random rnd) {
        int fid = rnd.nextInt(5);
        int other = rnd.nextInt(5);
        long off = rnd.nextInt(3) == 0 ? rnd.nextLong() : rnd.nextInt(100);
        Message m = switch (rnd.nextInt(22)) {
            case 0 -> new IoMessages.Twalk(fid, other,
                rnd.nextBoolean() ? List.of(name(rnd)) : List.of("d", name(rnd)));
            case 1 -> new LinuxMessages.Tgetattr(fid, rnd.nextLong());
            case 2 -> new IoMessages.Topen(MessageType.TLOPEN, fid, rnd.nextInt());
            case 3 -> new IoMessages.Tread(MessageType.TREAD, fid, off, rnd.nextInt());
            case 4 -> new IoMessages.Twrite(fid, off % 100_000, Unpooled.wrappedBuffer(
                new byte[rnd.nextInt(100)]));
            case 5 -> new IoMessages.Tread(MessageType.TREADDIR, fid, off, rnd.nextInt());
            case 6 -> new LinuxMessages.Tcreate(MessageType.TMKDIR, fid, name(rnd), 0, 0755, 0,
                0, 0);
            case 7 -> new LinuxMessages.Tcreate(MessageType.TLCREATE, fid, name(rnd), 2, 0644,
                0, 0, 0);
            case 8 -> new SessionMessages.FidRequest(MessageType.TCLUNK, fid);
            case 9 -> new SessionMessages.Tflush(rnd.nextInt(65536));
            case 10 -> new LinuxMessages.TwoFids(MessageType.TXATTRWALK, fid, other, name(rnd));
            case 11 -> new LinuxMessages.Tsetattr(fid, new SetAttr(rnd.nextInt(), 0644, 0, 0,
                rnd.nextInt(1 << 20), 0, 0, 0, 0));
            case 12 -> new LinuxMessages.Trenameat(fid, name(rnd), other, name(rnd));
            case 13 -> new LinuxMessages.Tunlinkat(fid, name(rnd), rnd.nextInt());
            case 14 -> new SessionMessages.FidRequest(MessageType.TREMOVE, fid);
            case 15 -> new LinuxMessages.LockMessage(MessageType.TLOCK, fid,
                new LockRequest(rnd.nextInt(3), 0, 0, 0, 1, "host"));
            case 16 -> new IoMessages.Tfsync(fid, 0);
            case 17 -> new LinuxMessages.Tsymlink(fid, name(rnd), "target", 0);
            case 18 -> new SessionMessages.FidRequest(MessageType.TREADLINK, fid);
            case 19 -> new SessionMessages.Version(MessageType.TVERSION, rnd.nextInt(),
                rnd.nextBoolean() ? "9P2000.L" : "9P2000");
            case 20 -> new ClassicMessages.Twstat(fid, new ClassicMessages.Stat(-1, -1,
                new io.vdisk.ninep.Qid(0, -1, -1), Attr.S_IFREG, -1, -1, off, name(rnd), "",
                "", ""));
            default -> new SessionMessages.Tattach(MessageType.TATTACH, fid, -1, "", name(rnd),
                rnd.nextInt());
        };
        ByteBuf b = Unpooled.buffer();
        try {
            MessageEncoder.encode(new Fcall(rnd.nextInt(65536), m), b);
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
            m.release();
        }
    }

    private static byte[] mutate(Random rnd, byte[] frame) {
        switch (rnd.nextInt(6)) {
            case 0 -> {
                return frame;
            }
            case 1 -> {
                for (int n = rnd.nextInt(4) + 1; n > 0; n--) {
                    frame[rnd.nextInt(frame.length)] = (byte) rnd.nextInt(256);
                }
                return frame;
            }
            case 2 -> {
                // truncate the body but keep a consistent size field
                int len = 7 + rnd.nextInt(Math.max(1, frame.length - 7));
                byte[] t = java.util.Arrays.copyOf(frame, len);
                Unpooled.wrappedBuffer(t).setIntLE(0, len);
                return t;
            }
            case 3 -> {
                frame[4] = (byte) rnd.nextInt(256);
                return frame;
            }
            case 4 -> {
                // lie about the size: small, or larger than msize
                int size = rnd.nextBoolean() ? rnd.nextInt(8) : 65537 + rnd.nextInt(1 << 20);
                Unpooled.wrappedBuffer(frame).setIntLE(0, size);
                return frame;
            }
            default -> {
                byte[] longer = java.util.Arrays.copyOf(frame, frame.length + rnd.nextInt(16));
                Unpooled.wrappedBuffer(longer).setIntLE(0, longer.length);
                return longer;
            }
        }
    }
}
