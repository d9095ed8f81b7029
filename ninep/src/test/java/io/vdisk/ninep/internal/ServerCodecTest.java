package io.vdisk.ninep.internal;

import static io.vdisk.ninep.internal.Frames.decode;
import static io.vdisk.ninep.internal.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.MemoryFileServer;
import io.vdisk.ninep.FileServer;
import io.vdisk.ninep.Qid;
import io.vdisk.ninep.internal.ClassicMessages.Stat;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server pipeline (frame decoder, encoder, request handler running requests inline) on an
 * {@link EmbeddedChannel}: fragmented and malformed input, error replies, and buffer hygiene.
 */
class ServerCodecTest {
    private static final int MSIZE = 8192;
    private final List<ByteBuf> sent = new ArrayList<>();
    private EmbeddedChannel ch;
    private MemoryFileServer fs;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void setUp() {
        fs = new MemoryFileServer("/srv/mem");
        fs.put("hello.txt", "hello, world\n".getBytes(StandardCharsets.UTF_8));
        fs.put("dir/inner.txt", "inner".getBytes(StandardCharsets.UTF_8));
        Session session = new Session(MSIZE);
        ch = new EmbeddedChannel(new FrameDecoder(session::msize), MessageEncoder.INSTANCE,
            new RequestHandler((FileServer<Object>) (FileServer<?>) fs, session, Runnable::run,
                Clock.systemUTC(), MSIZE));
    }

    @AfterEach
    void tearDown() {
        ch.runPendingTasks();
        assertNull(ch.readOutbound(), "unexpected extra reply");
        ch.finishAndReleaseAll();
        for (ByteBuf b : sent) {
            assertEquals(0, b.refCnt(), "input buffer not released");
        }
    }

    /** Feeds a frame, optionally one byte at a time. */
    private void send(ByteBuf frame, boolean fragmented) {
        sent.add(frame);
        if (!fragmented) {
            ch.writeInbound(frame);
            return;
        }
        while (frame.isReadable()) {
            ByteBuf one = frame.readRetainedSlice(1);
            ch.writeInbound(one);
        }
        frame.release();
    }

    private Fcall reply() {
        ch.runPendingTasks();
        ByteBuf out = ch.readOutbound();
        assertTrue(out != null, "no reply");
        return decode(out);
    }

    private Fcall rpc(int tag, Message m) {
        send(frame(tag, m), false);
        return reply();
    }

    private void assertError(Fcall r, int tag, int errno) {
        assertEquals(tag, r.tag());
        assertEquals(new SessionMessages.Rlerror(errno), r.body());
    }

    private void versionAndAttach() {
        Fcall v = rpc(Wire.NOTAG, new SessionMessages.Version(MessageType.TVERSION, 1 << 20,
            "9P2000.L"));
        assertEquals(new SessionMessages.Version(MessageType.RVERSION, MSIZE, "9P2000.L"),
            v.body());
        Fcall a = rpc(1, new SessionMessages.Tattach(MessageType.TATTACH, 0, Wire.NOFID,
            "nobody", "", -1));
        assertEquals(MessageType.RATTACH, a.type());
    }

    private void assertStillServes() {
        Fcall r = rpc(9, new IoMessages.Twalk(0, 77, List.of("hello.txt")));
        assertEquals(MessageType.RWALK, r.type());
        assertEquals(1, ((IoMessages.Rwalk) r.body()).qids().size());
        assertEquals(MessageType.RCLUNK,
            rpc(9, new SessionMessages.FidRequest(MessageType.TCLUNK, 77)).type());
    }

    @Test
    void versionAndAttachFragmentedByteByByte() {
        send(frame(Wire.NOTAG, new SessionMessages.Version(MessageType.TVERSION, 4096,
            "9P2000.L")), true);
        assertEquals(new SessionMessages.Version(MessageType.RVERSION, 4096, "9P2000.L"),
            reply().body());
        // Linux: first as nobody with n_uname -1, then per user with an empty name and a uid
        send(frame(1, new SessionMessages.Tattach(MessageType.TATTACH, 0, Wire.NOFID, "nobody",
            "", -1)), true);
        assertEquals(MessageType.RATTACH, reply().type());
        send(frame(2, new SessionMessages.Tattach(MessageType.TATTACH, 1, Wire.NOFID, "", "/",
            1000)), true);
        assertEquals(MessageType.RATTACH, reply().type());
        assertEquals(MessageType.RATTACH, rpc(3, new SessionMessages.Tattach(
            MessageType.TATTACH, 2, Wire.NOFID, "", "/srv/mem", 1000)).type());
        assertError(rpc(4, new SessionMessages.Tattach(MessageType.TATTACH, 3, Wire.NOFID, "",
            "/elsewhere", 1000)), 4, Errno.ENOENT);
        assertStillServes();
    }

    @Test
    void twoFramesInOneBufferAndOneFrameSplitAcrossTwo() {
        versionAndAttach();
        ByteBuf a = frame(5, new SessionMessages.FidRequest(MessageType.TSTATFS, 0));
        ByteBuf b = frame(6, new LinuxMessages.Tgetattr(0, 0x7ff));
        ByteBuf both = Unpooled.wrappedBuffer(a, b);
        sent.add(both);
        ByteBuf first = both.readRetainedSlice(both.readableBytes() - 3);
        ch.writeInbound(first);
        ch.writeInbound(both);
        assertEquals(MessageType.RSTATFS, reply().type());
        assertEquals(MessageType.RGETATTR, reply().type());
    }

    @Test
    void sizeBelowSevenIsAnsweredAndSkipped() {
        versionAndAttach();
        send(Unpooled.buffer().writeIntLE(5).writeByte(100), false);
        assertError(reply(), Wire.NOTAG, Errno.EPROTO);
        assertTrue(ch.isOpen());
        assertStillServes();
    }

    @Test
    void sizeBelowFourClosesTheConnection() {
        versionAndAttach();
        send(Unpooled.buffer().writeIntLE(2).writeIntLE(0), false);
        assertError(reply(), Wire.NOTAG, Errno.EPROTO);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
    }

    @Test
    void sizeAboveMsizeIsAnsweredOnItsTagAndDiscarded() {
        versionAndAttach();
        ByteBuf big = frame(MessageType.TWRITE.id(), 42, b -> {
            b.writeIntLE(0).writeLongLE(0).writeIntLE(MSIZE);
            b.writeZero(MSIZE);
        });
        send(big, true);
        assertError(reply(), 42, Errno.EMSGSIZE);
        assertStillServes();
    }

    @Test
    void unknownTypeIsEopnotsupp() {
        versionAndAttach();
        send(frame(250, 7, b -> b.writeIntLE(0)), false);
        assertError(reply(), 7, Errno.EOPNOTSUPP);
        send(frame(MessageType.RREAD.id(), 8, b -> b.writeIntLE(0)), false);
        assertError(reply(), 8, Errno.EOPNOTSUPP);
        send(frame(MessageType.TLERROR.id(), 9, b -> b.writeIntLE(0)), false);
        assertError(reply(), 9, Errno.EOPNOTSUPP);
        assertStillServes();
    }

    @Test
    void truncatedStringIsEproto() {
        versionAndAttach();
        // Twalk with one name whose length says 200 but only 3 bytes follow
        send(frame(MessageType.TWALK.id(), 11, b -> b.writeIntLE(0).writeIntLE(5).writeShortLE(1)
            .writeShortLE(200).writeBytes("abc".getBytes(StandardCharsets.UTF_8))), false);
        assertError(reply(), 11, Errno.EPROTO);
        // Tgetattr missing half its mask
        send(frame(MessageType.TGETATTR.id(), 12, b -> b.writeIntLE(0).writeIntLE(0)), false);
        assertError(reply(), 12, Errno.EPROTO);
        // Twrite whose count exceeds the frame
        send(frame(MessageType.TWRITE.id(), 13, b -> b.writeIntLE(0).writeLongLE(0).writeIntLE(9)
            .writeByte(1)), false);
        assertError(reply(), 13, Errno.EPROTO);
        assertStillServes();
    }

    @Test
    void unknownFidIsEbadf() {
        versionAndAttach();
        assertError(rpc(20, new LinuxMessages.Tgetattr(99, 0x7ff)), 20, Errno.EBADF);
        assertError(rpc(21, new IoMessages.Twalk(99, 100, List.of())), 21, Errno.EBADF);
        assertError(rpc(22, new SessionMessages.FidRequest(MessageType.TCLUNK, 99)), 22,
            Errno.EBADF);
        assertError(rpc(23, new IoMessages.Tread(MessageType.TREAD, 99, 0, 10)), 23,
            Errno.EBADF);
        assertStillServes();
    }

    @Test
    void walkOfMoreThanSixteenNamesIsEinval() {
        versionAndAttach();
        assertError(rpc(30, new IoMessages.Twalk(0, 5, Collections.nCopies(17, "dir"))), 30,
            Errno.EINVAL);
        assertStillServes();
    }

    @Test
    void partialWalkReturnsTheQidsWalkedAndNoNewFid() {
        versionAndAttach();
        Fcall r = rpc(31, new IoMessages.Twalk(0, 5, List.of("dir", "missing", "x")));
        assertEquals(1, ((IoMessages.Rwalk) r.body()).qids().size());
        assertError(rpc(32, new LinuxMessages.Tgetattr(5, 0x7ff)), 32, Errno.EBADF);
        assertError(rpc(33, new IoMessages.Twalk(0, 5, List.of("missing"))), 33, Errno.ENOENT);
        assertError(rpc(34, new IoMessages.Twalk(0, 5, List.of("a/b"))), 34, Errno.EINVAL);
    }

    @Test
    void readPastEofReturnsNoBytesAndReadOfUnopenedFidIsEbadf() {
        versionAndAttach();
        rpc(40, new IoMessages.Twalk(0, 1, List.of("hello.txt")));
        assertError(rpc(41, new IoMessages.Tread(MessageType.TREAD, 1, 0, 100)), 41,
            Errno.EBADF);
        assertEquals(MessageType.RLOPEN,
            rpc(42, new IoMessages.Topen(MessageType.TLOPEN, 1, 0)).type());
        Fcall r = rpc(43, new IoMessages.Tread(MessageType.TREAD, 1, 1000, 100));
        assertEquals(0, ((IoMessages.Rread) r.body()).data().readableBytes());
        r.release();
        r = rpc(44, new IoMessages.Tread(MessageType.TREAD, 1, 7, 1 << 30));
        assertEquals("world\n", ((IoMessages.Rread) r.body()).data()
            .toString(StandardCharsets.UTF_8));
        r.release();
        assertError(rpc(45, new IoMessages.Tread(MessageType.TREAD, 1, -1, 1)), 45,
            Errno.EINVAL);
    }

    @Test
    void writeBufferIsReleasedAfterTheWrite() {
        versionAndAttach();
        rpc(50, new IoMessages.Twalk(0, 1, List.of("hello.txt")));
        rpc(51, new IoMessages.Topen(MessageType.TLOPEN, 1, 2));
        Fcall r = rpc(52, new IoMessages.Twrite(1, 0,
            Unpooled.copiedBuffer("HELLO", StandardCharsets.UTF_8)));
        assertEquals(new IoMessages.Rwrite(5), r.body());
        assertEquals("HELLO, world\n",
            new String(fs.get("hello.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void requestsBeforeVersionAreRefused() {
        assertError(rpc(1, new SessionMessages.Tattach(MessageType.TATTACH, 0, Wire.NOFID, "",
            "", 0)), 1, Errno.EPROTO);
        Fcall v = rpc(Wire.NOTAG, new SessionMessages.Version(MessageType.TVERSION, MSIZE,
            "SomethingElse"));
        assertEquals("unknown", ((SessionMessages.Version) v.body()).version());
    }

    @Test
    void xattrwalkAnswersEmptyListAndNoData() {
        versionAndAttach();
        assertEquals(new LinuxMessages.Rxattrwalk(0), rpc(60, new LinuxMessages.TwoFids(
            MessageType.TXATTRWALK, 0, 3, "")).body());
        Fcall r = rpc(61, new IoMessages.Tread(MessageType.TREAD, 3, 0, 100));
        assertEquals(0, ((IoMessages.Rread) r.body()).data().readableBytes());
        assertError(rpc(62, new LinuxMessages.TwoFids(MessageType.TXATTRWALK, 0, 4,
            "security.capability")), 62, Errno.ENODATA);
        assertError(rpc(63, new LinuxMessages.Txattrcreate(0, "user.x", 1, 0)), 63,
            Errno.EOPNOTSUPP);
    }

    @Test
    void flushOfAnUnknownTagAnswersRflush() {
        versionAndAttach();
        assertEquals(MessageType.RFLUSH, rpc(70, new SessionMessages.Tflush(12345)).type());
    }

    @Test
    void classicDialectReadsDirectoriesAsStatsAndAnswersRerror() {
        Fcall v = rpc(Wire.NOTAG, new SessionMessages.Version(MessageType.TVERSION, MSIZE,
            "9P2000.u"));
        assertEquals("9P2000", ((SessionMessages.Version) v.body()).version());
        assertEquals(MessageType.RATTACH, rpc(1, new SessionMessages.Tattach(
            MessageType.TATTACH, 0, Wire.NOFID, "glenda", "", -1)).type());
        Fcall e = rpc(2, new SessionMessages.FidRequest(MessageType.TSTAT, 9));
        assertEquals(new SessionMessages.Rerror(Errno.message(Errno.EBADF), 0), e.body());
        Fcall gl = rpc(3, new LinuxMessages.Tgetattr(0, 1));
        assertEquals(MessageType.RERROR, gl.type());
        Stat root = ((ClassicMessages.Rstat) rpc(4,
            new SessionMessages.FidRequest(MessageType.TSTAT, 0)).body()).stat();
        assertTrue(root.qid().isDirectory());
        assertEquals(MessageType.ROPEN,
            rpc(5, new IoMessages.Topen(MessageType.TOPEN, 0, 0)).type());
        Fcall d = rpc(6, new IoMessages.Tread(MessageType.TREAD, 0, 0, MSIZE));
        ByteBuf data = ((IoMessages.Rread) d.body()).data();
        List<String> names = new ArrayList<>();
        while (data.isReadable()) {
            names.add(Stat.decode(data).name());
        }
        d.release();
        assertEquals(List.of("dir", "hello.txt"), names);
        rpc(7, new IoMessages.Twalk(0, 1, List.of("hello.txt")));
        Stat s = ((ClassicMessages.Rstat) rpc(8,
            new SessionMessages.FidRequest(MessageType.TSTAT, 1)).body()).stat();
        assertEquals(13, s.length());
        assertEquals(Qid.QT_FILE, s.qid().type());
        Stat rename = new Stat(-1, -1, new Qid(0xff, -1, -1), -1, -1, -1, -1L, "renamed.txt",
            "", "", "");
        assertEquals(MessageType.RWSTAT, rpc(9, new ClassicMessages.Twstat(1, rename)).type());
        assertTrue(fs.get("renamed.txt") != null);
    }
}
