package io.vdisk.ninep.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vdisk.ninep.Attr;
import io.vdisk.ninep.LockRequest;
import io.vdisk.ninep.Qid;
import io.vdisk.ninep.SetAttr;
import io.vdisk.ninep.StatFs;
import io.vdisk.ninep.internal.SessionMessages.Empty;
import io.vdisk.ninep.internal.SessionMessages.FidRequest;
import io.vdisk.ninep.internal.SessionMessages.QidReply;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every message type survives encode then decode unchanged, so client and server agree. */
class MessageCodecTest {
    private static final Qid Q = new Qid(Qid.QT_DIR, 7, 0x1122334455667788L);

    private static List<Message> samples() {
        Attr attr = new Attr(Attr.S_IFREG | 0644, 1000, 100, 1, 0, 12345, 4096, 32, 1, 2, 3, 4,
            5, 6);
        ClassicMessages.Stat stat = new ClassicMessages.Stat(0, 0, Q, ClassicMessages.DMDIR | 0755,
            10, 20, 0, "name", "1000", "100", "");
        LockRequest lock = new LockRequest(LockRequest.WRLCK, 1, 0, 100, 42, "host");
        return List.of(new SessionMessages.Rlerror(71), new FidRequest(MessageType.TSTATFS, 3),
            new LinuxMessages.Rstatfs(new StatFs(1, 4096, 9, 8, 7, 6, 5, 4, 255)),
            new IoMessages.Topen(MessageType.TLOPEN, 3, 0100002),
            new IoMessages.OpenReply(MessageType.RLOPEN, Q, 8192),
            new LinuxMessages.Tcreate(MessageType.TLCREATE, 3, "f", 0101, 0644, 0, 0, 100),
            new IoMessages.OpenReply(MessageType.RLCREATE, Q, 0),
            new LinuxMessages.Tsymlink(3, "l", "/target", 100),
            new QidReply(MessageType.RSYMLINK, Q),
            new LinuxMessages.Tcreate(MessageType.TMKNOD, 3, "n", 0, 020644, 1, 2, 100),
            new QidReply(MessageType.RMKNOD, Q),
            new LinuxMessages.TwoFids(MessageType.TRENAME, 3, 4, "new"),
            new Empty(MessageType.RRENAME), new FidRequest(MessageType.TREADLINK, 3),
            new LinuxMessages.Rreadlink("/target"), new LinuxMessages.Tgetattr(3, 0x3fff),
            new LinuxMessages.Rgetattr(0x7ff, Q, attr),
            new LinuxMessages.Tsetattr(3, new SetAttr(0x1ff, 0600, 1, 2, 3, 4, 5, 6, 7)),
            new Empty(MessageType.RSETATTR),
            new LinuxMessages.TwoFids(MessageType.TXATTRWALK, 3, 4, "user.x"),
            new LinuxMessages.Rxattrwalk(0),
            new LinuxMessages.Txattrcreate(3, "user.x", 10, 1),
            new Empty(MessageType.RXATTRCREATE),
            new IoMessages.Tread(MessageType.TREADDIR, 3, 99, 8000),
            new IoMessages.Rread(MessageType.RREADDIR, Unpooled.wrappedBuffer(new byte[]{1, 2})),
            new IoMessages.Tfsync(3, 1), new Empty(MessageType.RFSYNC),
            new LinuxMessages.LockMessage(MessageType.TLOCK, 3, lock),
            new LinuxMessages.Rlock(LockRequest.SUCCESS),
            new LinuxMessages.LockMessage(MessageType.TGETLOCK, 3,
                new LockRequest(LockRequest.RDLCK, 0, 0, 100, 42, "host")),
            new LinuxMessages.LockMessage(MessageType.RGETLOCK, Wire.NOFID,
                new LockRequest(LockRequest.UNLCK, 0, 0, 100, 42, "host")),
            new LinuxMessages.TwoFids(MessageType.TLINK, 3, 4, "hard"),
            new Empty(MessageType.RLINK),
            new LinuxMessages.Tcreate(MessageType.TMKDIR, 3, "d", 0, 0755, 0, 0, 100),
            new QidReply(MessageType.RMKDIR, Q), new LinuxMessages.Trenameat(3, "a", 4, "b"),
            new Empty(MessageType.RRENAMEAT), new LinuxMessages.Tunlinkat(3, "a", 0x200),
            new Empty(MessageType.RUNLINKAT),
            new SessionMessages.Version(MessageType.TVERSION, 65536, "9P2000.L"),
            new SessionMessages.Version(MessageType.RVERSION, 65536, "9P2000.L"),
            new SessionMessages.Tattach(MessageType.TAUTH, Wire.NOFID, 5, "", "/", 1000),
            new QidReply(MessageType.RAUTH, Q),
            new SessionMessages.Tattach(MessageType.TATTACH, 0, Wire.NOFID, "nobody", "", -1),
            new QidReply(MessageType.RATTACH, Q), new SessionMessages.Rerror("no", 0),
            new SessionMessages.Tflush(17), new Empty(MessageType.RFLUSH),
            new IoMessages.Twalk(0, 1, List.of("a", "b")), new IoMessages.Rwalk(List.of(Q, Q)),
            new IoMessages.Topen(MessageType.TOPEN, 3, 0x12),
            new IoMessages.OpenReply(MessageType.ROPEN, Q, 0),
            new ClassicMessages.Tcreate(3, "c", 0644, 1),
            new IoMessages.OpenReply(MessageType.RCREATE, Q, 0),
            new IoMessages.Tread(MessageType.TREAD, 3, 1L << 40, 65536),
            new IoMessages.Rread(MessageType.RREAD, Unpooled.wrappedBuffer(new byte[]{9})),
            new IoMessages.Twrite(3, 5, Unpooled.wrappedBuffer(new byte[]{1, 2, 3})),
            new IoMessages.Rwrite(3), new FidRequest(MessageType.TCLUNK, 3),
            new Empty(MessageType.RCLUNK), new FidRequest(MessageType.TREMOVE, 3),
            new Empty(MessageType.RREMOVE), new FidRequest(MessageType.TSTAT, 3),
            new ClassicMessages.Rstat(stat), new ClassicMessages.Twstat(3, stat),
            new Empty(MessageType.RWSTAT));
    }

    @Test
    void everyMessageTypeRoundTrips() {
        Set<MessageType> seen = EnumSet.noneOf(MessageType.class);
        int tag = 0;
        for (Message m : samples()) {
            ByteBuf frame = Frames.frame(tag, m);
            Fcall back = Frames.decode(frame);
            assertEquals(tag, back.tag());
            assertEquals(m, back.body(), m.type().toString());
            back.release();
            assertEquals(0, frame.refCnt(), "frame not released after " + m.type());
            m.release();
            seen.add(m.type());
            tag++;
        }
        Set<MessageType> missing = EnumSet.complementOf(EnumSet.copyOf(seen));
        missing.remove(MessageType.TLERROR);
        missing.remove(MessageType.TERROR);
        assertEquals(Set.of(), missing);
    }

    @Test
    void lookupTableKnowsExactlyTheDefinedTypes() {
        int known = 0;
        for (int id = 0; id < 256; id++) {
            MessageType t = MessageType.of(id);
            if (t != null) {
                assertEquals(id, t.id());
                known++;
            }
        }
        assertEquals(MessageType.values().length, known);
        assertFalse(MessageType.RREAD.isRequest());
        assertEquals(MessageType.RWALK, MessageType.TWALK.reply());
    }
}
