package io.vdisk.ninep.internal;

import io.netty.buffer.Unpooled;
import io.vdisk.ninep.Attr;
import io.vdisk.ninep.Caller;
import io.vdisk.ninep.DirEntry;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.FileServer;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import io.vdisk.ninep.Qid;
import io.vdisk.ninep.SetAttr;
import io.vdisk.ninep.internal.ClassicMessages.Stat;
import io.vdisk.ninep.internal.IoMessages.OpenReply;
import io.vdisk.ninep.internal.SessionMessages.Empty;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * The classic 9P2000 requests: open, create, stat, wstat, and reads of directories, which return
 * whole stat entries. Maps Plan 9 modes onto the Linux-flavoured SPI. Thread-safe: no state
 * beyond the thread-safe {@link Session} and per-fid directory readers.
 */
final class ClassicOperations {
    private static final int OTRUNC = 0x10;
    private static final int ORCLOSE = 0x40;
    private static final int O_TRUNC = 01000;

    private final FileServer<Object> fs;
    private final Session session;
    private final Operations ops;

    ClassicOperations(FileServer<Object> fs, Session session, Operations ops) {
        this.fs = fs;
        this.session = session;
        this.ops = ops;
    }

    Message handle(Message m) throws NinePException {
        return switch (m.type()) {
            case TOPEN -> {
                IoMessages.Topen t = (IoMessages.Topen) m;
                Fid f = session.fid(t.fid());
                ops.open(f, linuxFlags(t.flags()));
                f.removeOnClunk = (t.flags() & ORCLOSE) != 0;
                yield new OpenReply(MessageType.ROPEN, f.qid, ops.iounit());
            }
            case TCREATE -> create((ClassicMessages.Tcreate) m);
            case TSTAT -> {
                Fid f = session.fid(((SessionMessages.FidRequest) m).fid());
                yield new ClassicMessages.Rstat(stat(f.node, f.name));
            }
            case TWSTAT -> wstat((ClassicMessages.Twstat) m);
            default -> throw new NinePException(Errno.EOPNOTSUPP, m.type() + " not supported");
        };
    }

    private static int linuxFlags(int mode) {
        int access = mode & 3;
        int flags = access == 3 ? 0 : access;
        return (mode & OTRUNC) != 0 ? flags | O_TRUNC : flags;
    }

    private Message create(ClassicMessages.Tcreate t) throws NinePException {
        Fid d = session.fid(t.fid());
        String name = Operations.checkName(t.name());
        if (d.open != null) {
            throw new NinePException(Errno.EINVAL, "fid already open");
        }
        Object child;
        int flags = linuxFlags(t.mode());
        if ((t.perm() & ClassicMessages.DMDIR) != 0) {
            child = fs.mkdir(d.caller, d.node, name, t.perm() & 0777, Caller.NO_UID);
            flags = 0;
        } else {
            child = fs.create(d.caller, d.node, name, t.perm() & 0777, Caller.NO_UID);
        }
        Fid nf = ops.replaceWithOpened(d, t.fid(), child, name, flags);
        nf.removeOnClunk = (t.mode() & ORCLOSE) != 0;
        return new OpenReply(MessageType.RCREATE, nf.qid, ops.iounit());
    }

    Stat stat(Object node, String name) throws NinePException {
        Attr a = fs.getattr(node);
        Qid q = fs.qid(node);
        int mode = a.mode() & 0777;
        if (q.isDirectory()) {
            mode |= ClassicMessages.DMDIR;
        }
        if (q.isSymlink()) {
            mode |= ClassicMessages.DMSYMLINK;
        }
        return new Stat(0, 0, q, mode, (int) a.atimeSec(), (int) a.mtimeSec(),
            q.isDirectory() ? 0 : a.size(), name, Integer.toUnsignedString(a.uid()),
            Integer.toUnsignedString(a.gid()), "");
    }

    private Message wstat(ClassicMessages.Twstat t) throws NinePException {
        Fid f = session.fid(t.fid());
        Stat s = t.stat();
        int valid = 0;
        if (s.length() != -1L) {
            valid |= SetAttr.SIZE;
        }
        if (s.mode() != -1) {
            valid |= SetAttr.MODE;
        }
        if (s.mtime() != -1) {
            valid |= SetAttr.MTIME | SetAttr.MTIME_SET;
        }
        if (s.atime() != -1) {
            valid |= SetAttr.ATIME | SetAttr.ATIME_SET;
        }
        if (valid != 0) {
            fs.setattr(f.node, new SetAttr(valid, s.mode() & 07777, 0, 0, s.length(),
                Integer.toUnsignedLong(s.atime()), 0, Integer.toUnsignedLong(s.mtime()), 0));
        }
        if (!s.name().isEmpty() && !s.name().equals(f.name)) {
            if (f.parent == null) {
                throw new NinePException(Errno.EINVAL, "cannot rename this fid");
            }
            fs.rename(f.node, f.parent, Operations.checkName(s.name()));
        }
        return new Empty(MessageType.RWSTAT);
    }

    /** A classic read of a directory: whole stat entries, at offset 0 or where the last ended. */
    Message readDirectory(Fid f, IoMessages.Tread t) throws NinePException {
        OpenFile of = ops.opened(f);
        ClassicDirReader r = f.dirReader;
        if (t.offset() == 0 || r == null) {
            r = new ClassicDirReader(listing(f, of));
            f.dirReader = r;
        }
        int count = Math.min(Integer.compareUnsigned(t.count(), 0) < 0
            ? Integer.MAX_VALUE
            : t.count(), session.msize() - 11);
        return new IoMessages.Rread(MessageType.RREAD,
            Unpooled.wrappedBuffer(r.read(t.offset(), count)));
    }

    private byte[] listing(Fid f, OpenFile dir) throws NinePException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long cookie = 0;
        var buf = Unpooled.buffer(256);
        try {
            while (true) {
                List<DirEntry> entries = dir.readdir(cookie, 64 * 1024);
                if (entries.isEmpty()) {
                    break;
                }
                for (DirEntry e : entries) {
                    cookie = e.offset();
                    if (e.name().equals(".") || e.name().equals("..")) {
                        continue;
                    }
                    try {
                        Object child = fs.walk(f.node, e.name());
                        buf.clear();
                        stat(child, e.name()).encode(buf);
                        out.write(buf.array(), buf.arrayOffset(), buf.readableBytes());
                    } catch (NinePException gone) {
                        // removed while listing: skip it
                    }
                }
            }
        } finally {
            buf.release();
        }
        return out.toByteArray();
    }
}
