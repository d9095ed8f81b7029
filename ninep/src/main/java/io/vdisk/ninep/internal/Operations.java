package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vdisk.ninep.Caller;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.FileServer;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import io.vdisk.ninep.Qid;
import io.vdisk.ninep.SetAttr;
import io.vdisk.ninep.internal.IoMessages.OpenReply;
import io.vdisk.ninep.internal.IoMessages.Topen;
import io.vdisk.ninep.internal.IoMessages.Tread;
import io.vdisk.ninep.internal.IoMessages.Twalk;
import io.vdisk.ninep.internal.IoMessages.Twrite;
import io.vdisk.ninep.internal.LinuxMessages.LockMessage;
import io.vdisk.ninep.internal.LinuxMessages.Tcreate;
import io.vdisk.ninep.internal.LinuxMessages.TwoFids;
import io.vdisk.ninep.internal.SessionMessages.Empty;
import io.vdisk.ninep.internal.SessionMessages.FidRequest;
import io.vdisk.ninep.internal.SessionMessages.QidReply;
import io.vdisk.ninep.internal.SessionMessages.Tattach;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Executes requests against the {@link FileServer}: the messages shared by both dialects and the
 * 9P2000.L ones; classic-only ones go to {@link ClassicOperations}. Each call returns the reply,
 * either an {@link Fcall} or a pre-encoded frame ({@link ByteBuf}) for data replies. Thread-safe:
 * no state beyond the thread-safe {@link Session}.
 */
final class Operations {
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    private static final int AT_REMOVEDIR = 0x200;

    private final FileServer<Object> fs;
    private final Session session;
    private final Clock clock;
    private final ClassicOperations classic;
    private final DataReplies data;

    Operations(FileServer<Object> fs, Session session, Clock clock) {
        this.fs = fs;
        this.session = session;
        this.clock = clock;
        this.classic = new ClassicOperations(fs, session, this);
        this.data = new DataReplies(session, this);
    }

    Object handle(ByteBufAllocator alloc, Fcall call) throws NinePException {
        Message m = call.body();
        switch (call.type()) {
            case TREAD -> {
                Tread t = (Tread) m;
                Fid f = session.fid(t.fid());
                if (f.qid.isDirectory() && session.dialect() == Dialect.CLASSIC) {
                    return new Fcall(call.tag(), classic.readDirectory(f, t));
                }
                return data.read(alloc, call.tag(), f, t);
            }
            case TREADDIR -> {
                return data.readdir(alloc, call.tag(), (Tread) m);
            }
            default -> {
                return new Fcall(call.tag(), reply(m));
            }
        }
    }

    private Message reply(Message m) throws NinePException {
        return switch (m.type()) {
            case TATTACH -> attach((Tattach) m);
            // ENOENT is how diod and libnpclient say "authentication not required"
            case TAUTH -> throw new NinePException(Errno.ENOENT, "authentication not required");
            case TWALK -> walk((Twalk) m);
            case TWRITE -> write((Twrite) m);
            case TCLUNK -> clunk(((FidRequest) m).fid());
            case TREMOVE -> remove(((FidRequest) m).fid());
            case TOPEN, TCREATE, TSTAT, TWSTAT -> classic.handle(m);
            default -> linux(m);
        };
    }

    private Message linux(Message m) throws NinePException {
        return switch (m.type()) {
            case TGETATTR -> {
                Fid f = session.fid(((LinuxMessages.Tgetattr) m).fid());
                yield new LinuxMessages.Rgetattr(LinuxMessages.Rgetattr.BASIC, fs.qid(f.node),
                    fs.getattr(f.node));
            }
            case TSETATTR -> {
                var t = (LinuxMessages.Tsetattr) m;
                fs.setattr(session.fid(t.fid()).node, resolveTimes(t.attr()));
                yield new Empty(MessageType.RSETATTR);
            }
            case TLOPEN -> {
                Topen t = (Topen) m;
                Fid f = open(session.fid(t.fid()), t.flags());
                yield new OpenReply(MessageType.RLOPEN, f.qid, iounit());
            }
            case TLCREATE, TMKDIR, TMKNOD -> create((Tcreate) m);
            case TSYMLINK -> {
                var t = (LinuxMessages.Tsymlink) m;
                Fid d = session.fid(t.fid());
                yield new QidReply(MessageType.RSYMLINK, fs.qid(
                    fs.symlink(d.caller, d.node, checkName(t.name()), t.target(), t.gid())));
            }
            case TREADLINK -> new LinuxMessages.Rreadlink(
                fs.readlink(session.fid(((FidRequest) m).fid()).node));
            case TSTATFS -> new LinuxMessages.Rstatfs(
                fs.statfs(session.fid(((FidRequest) m).fid()).node));
            case TRENAME -> {
                TwoFids t = (TwoFids) m;
                fs.rename(session.fid(t.fid1()).node, session.fid(t.fid2()).node,
                    checkName(t.name()));
                yield new Empty(MessageType.RRENAME);
            }
            case TRENAMEAT -> {
                var t = (LinuxMessages.Trenameat) m;
                fs.renameat(session.fid(t.oldDir()).node, checkName(t.oldName()),
                    session.fid(t.newDir()).node, checkName(t.newName()));
                yield new Empty(MessageType.RRENAMEAT);
            }
            case TUNLINKAT -> {
                var t = (LinuxMessages.Tunlinkat) m;
                fs.unlinkat(session.fid(t.dirFid()).node, checkName(t.name()),
                    t.flags() & AT_REMOVEDIR);
                yield new Empty(MessageType.RUNLINKAT);
            }
            case TLINK -> {
                TwoFids t = (TwoFids) m;
                fs.link(session.fid(t.fid1()).node, session.fid(t.fid2()).node,
                    checkName(t.name()));
                yield new Empty(MessageType.RLINK);
            }
            case TXATTRWALK -> xattrwalk((TwoFids) m);
            case TXATTRCREATE -> {
                session.fid(((LinuxMessages.Txattrcreate) m).fid());
                throw new NinePException(Errno.EOPNOTSUPP, "extended attributes not supported");
            }
            case TFSYNC -> {
                var t = (IoMessages.Tfsync) m;
                opened(session.fid(t.fid())).fsync(t.datasync() != 0);
                yield new Empty(MessageType.RFSYNC);
            }
            case TLOCK -> {
                LockMessage t = (LockMessage) m;
                yield new LinuxMessages.Rlock(opened(session.fid(t.fid())).lock(t.lock()));
            }
            case TGETLOCK -> {
                LockMessage t = (LockMessage) m;
                yield new LockMessage(MessageType.RGETLOCK, Wire.NOFID,
                    opened(session.fid(t.fid())).getlock(t.lock()));
            }
            default -> throw new NinePException(Errno.EOPNOTSUPP, m.type() + " not supported");
        };
    }

    private Message attach(Tattach t) throws NinePException {
        if (t.afid() != Wire.NOFID) {
            throw new NinePException(Errno.EBADF, "authentication not supported");
        }
        if (session.fids.containsKey(t.fid())) {
            throw new NinePException(Errno.EINVAL, "fid in use");
        }
        Caller caller = new Caller(t.uname(), t.nUname());
        Object root = fs.attach(caller, t.aname());
        Qid qid = fs.qid(root);
        if (session.fids.putIfAbsent(t.fid(),
            new Fid(root, qid, caller, "/", null, false)) != null) {
            throw new NinePException(Errno.EINVAL, "fid in use");
        }
        return new QidReply(MessageType.RATTACH, qid);
    }

    private Message walk(Twalk t) throws NinePException {
        if (t.names().size() > Wire.MAXWELEM) {
            throw new NinePException(Errno.EINVAL, "more than 16 names in walk");
        }
        Fid f = session.fid(t.fid());
        if (t.newfid() != t.fid() && session.fids.containsKey(t.newfid())) {
            throw new NinePException(Errno.EINVAL, "newfid in use");
        }
        Object node = f.node;
        Object parent = f.parent;
        String name = f.name;
        Qid qid = f.qid;
        List<Qid> qids = new ArrayList<>(t.names().size());
        for (String n : t.names()) {
            Object child;
            try {
                if (!n.equals("..")) {
                    checkName(n);
                }
                child = fs.walk(node, n);
            } catch (NinePException e) {
                if (qids.isEmpty()) {
                    throw e;
                }
                return new IoMessages.Rwalk(qids);
            }
            parent = n.equals("..") ? null : node;
            node = child;
            name = n;
            qid = fs.qid(child);
            qids.add(qid);
        }
        Fid nf = new Fid(node, qid, f.caller, name, parent, false);
        if (t.newfid() == t.fid()) {
            session.fids.put(t.newfid(), nf);
        } else if (session.fids.putIfAbsent(t.newfid(), nf) != null) {
            throw new NinePException(Errno.EINVAL, "newfid in use");
        }
        return new IoMessages.Rwalk(qids);
    }

    Fid open(Fid f, int flags) throws NinePException {
        if (f.open != null || f.xattr) {
            throw new NinePException(Errno.EINVAL, "fid already open");
        }
        f.open = fs.open(f.node, flags);
        return f;
    }

    private Message create(Tcreate t) throws NinePException {
        Fid d = session.fid(t.fid());
        String name = checkName(t.name());
        if (t.type() == MessageType.TMKDIR) {
            return new QidReply(MessageType.RMKDIR,
                fs.qid(fs.mkdir(d.caller, d.node, name, t.mode(), t.gid())));
        }
        if (t.type() == MessageType.TMKNOD) {
            return new QidReply(MessageType.RMKNOD, fs.qid(fs.mknod(d.caller, d.node, name,
                t.mode(), t.major(), t.minor(), t.gid())));
        }
        if (d.open != null) {
            throw new NinePException(Errno.EINVAL, "fid already open");
        }
        Object child = fs.create(d.caller, d.node, name, t.mode(), t.gid());
        Fid nf = replaceWithOpened(d, t.fid(), child, name, t.flags() & ~(O_CREAT | O_EXCL));
        return new OpenReply(MessageType.RLCREATE, nf.qid, iounit());
    }

    /** After a create: the fid now names the new node, opened. */
    Fid replaceWithOpened(Fid dir, int fid, Object child, String name, int flags)
        throws NinePException {
        Fid nf = new Fid(child, fs.qid(child), dir.caller, name, dir.node, false);
        nf.open = fs.open(child, flags);
        if (!session.fids.replace(fid, dir, nf)) {
            nf.closeOpen();
            throw new NinePException(Errno.EBADF, "fid changed during create");
        }
        return nf;
    }

    private Message xattrwalk(TwoFids t) throws NinePException {
        Fid f = session.fid(t.fid1());
        if (!t.name().isEmpty()) {
            throw new NinePException(Errno.ENODATA, "no extended attribute " + t.name());
        }
        Fid nf = new Fid(f.node, f.qid, f.caller, f.name, f.parent, true);
        if (t.fid2() == t.fid1()) {
            session.fids.put(t.fid2(), nf);
        } else if (session.fids.putIfAbsent(t.fid2(), nf) != null) {
            throw new NinePException(Errno.EINVAL, "newfid in use");
        }
        return new LinuxMessages.Rxattrwalk(0);
    }

    private Message write(Twrite t) throws NinePException {
        Fid f = session.fid(t.fid());
        OpenFile of = opened(f);
        if (t.offset() < 0) {
            throw new NinePException(Errno.EINVAL, "negative offset");
        }
        ByteBuffer src = t.data().nioBuffer();
        int n = of.write(t.offset(), src);
        return new IoMessages.Rwrite(n);
    }

    private Message clunk(int fid) throws NinePException {
        Fid f = session.fids.remove(fid);
        if (f == null) {
            throw new NinePException(Errno.EBADF, "unknown fid " + Integer.toUnsignedString(fid));
        }
        f.closeOpen();
        if (f.removeOnClunk) {
            fs.remove(f.node);
        }
        return new Empty(MessageType.RCLUNK);
    }

    private Message remove(int fid) throws NinePException {
        Fid f = session.fids.remove(fid);
        if (f == null) {
            throw new NinePException(Errno.EBADF, "unknown fid " + Integer.toUnsignedString(fid));
        }
        f.closeOpen();
        fs.remove(f.node);
        return new Empty(MessageType.RREMOVE);
    }

    OpenFile opened(Fid f) throws NinePException {
        OpenFile of = f.open;
        if (of == null) {
            throw new NinePException(Errno.EBADF, "fid not open");
        }
        return of;
    }

    int iounit() {
        return session.msize() - Wire.IOHDRSZ;
    }

    SetAttr resolveTimes(SetAttr a) {
        long aSec = a.atimeSec();
        long aNsec = a.atimeNsec();
        long mSec = a.mtimeSec();
        long mNsec = a.mtimeNsec();
        int valid = a.valid();
        Instant now = clock.instant();
        if (a.has(SetAttr.ATIME) && !a.has(SetAttr.ATIME_SET)) {
            aSec = now.getEpochSecond();
            aNsec = now.getNano();
            valid |= SetAttr.ATIME_SET;
        }
        if (a.has(SetAttr.MTIME) && !a.has(SetAttr.MTIME_SET)) {
            mSec = now.getEpochSecond();
            mNsec = now.getNano();
            valid |= SetAttr.MTIME_SET;
        }
        return new SetAttr(valid, a.mode(), a.uid(), a.gid(), a.size(), aSec, aNsec, mSec, mNsec);
    }

    /** Refuses names that are not a single path element. */
    static String checkName(String name) throws NinePException {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
            || name.indexOf('\0') >= 0) {
            throw new NinePException(Errno.EINVAL, "bad name '" + name + "'");
        }
        return name;
    }
}
