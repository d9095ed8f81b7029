package io.vdisk.ninep;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vdisk.ninep.internal.Fcall;
import io.vdisk.ninep.internal.IoMessages;
import io.vdisk.ninep.internal.LinuxMessages;
import io.vdisk.ninep.internal.MessageType;
import io.vdisk.ninep.internal.SessionMessages;
import io.vdisk.ninep.internal.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A small 9P2000.L client, for the CLI and for tests. Fids are plain ints chosen with
 * {@link #newFid()}; methods block until the reply and throw {@link NinePException} with the
 * server's errno. Reads and writes larger than one message are split by msize and the pieces
 * sent at once (pipelined). Thread-safe; owns a socket and a thread, {@link #close()} is
 * idempotent.
 */
public final class NinePClient extends ClientConnection {
    /** Linux open flag: read only. */
    public static final int O_RDONLY = 0;
    /** Linux open flag: write only. */
    public static final int O_WRONLY = 1;
    /** Linux open flag: read and write. */
    public static final int O_RDWR = 2;
    /** Linux open flag: truncate. */
    public static final int O_TRUNC = 01000;
    /** Tunlinkat flag: remove a directory. */
    public static final int AT_REMOVEDIR = 0x200;
    private static final int DATA_HEADER = 11;

    private NinePClient(InetSocketAddress server, int msize, Duration timeout) throws IOException {
        super(server, msize, timeout);
    }

    /**
     * Connects and negotiates 9P2000.L with msize {@link NinePServer#DEFAULT_MAX_MSIZE}.
     *
     * @param server host and port
     * @return a connected client
     * @throws IOException if the server is unreachable or refuses
     */
    public static NinePClient connect(InetSocketAddress server) throws IOException {
        return connect(server, NinePServer.DEFAULT_MAX_MSIZE, Duration.ofSeconds(60));
    }

    /**
     * @param server host and port
     * @param msize the msize to ask for (the server may lower it)
     * @param timeout how long to wait for any one reply
     * @return a connected client
     * @throws IOException if the server is unreachable or refuses
     */
    public static NinePClient connect(InetSocketAddress server, int msize, Duration timeout)
        throws IOException {
        return new NinePClient(server, msize, timeout);
    }

    /**
     * Attaches {@code fid} to the root of tree {@code aname}.
     *
     * @param fid a new fid
     * @param uname user name ("" when {@code uid} says it)
     * @param uid numeric uid or {@link Caller#NO_UID}
     * @param aname tree name
     * @return the root's qid
     * @throws IOException on failure
     */
    public Qid attach(int fid, String uname, int uid, String aname) throws IOException {
        return ((SessionMessages.QidReply) call(new SessionMessages.Tattach(MessageType.TATTACH,
            fid, Wire.NOFID, uname, aname, uid), MessageType.RATTACH)).qid();
    }

    /**
     * One Twalk of at most 16 names; {@code newfid} exists afterwards only if all were walked.
     *
     * @param fid the starting fid
     * @param newfid the fid to create (may equal {@code fid})
     * @param names the path elements
     * @return the qids walked, possibly fewer than names
     * @throws IOException if even the first element fails
     */
    public List<Qid> walk(int fid, int newfid, List<String> names) throws IOException {
        return ((IoMessages.Rwalk) call(new IoMessages.Twalk(fid, newfid, List.copyOf(names)),
            MessageType.RWALK)).qids();
    }

    /**
     * Walks a slash-separated path (any length) from {@code fid} to a new fid.
     *
     * @param fid the starting fid
     * @param path e.g. "a/b/c"; empty clones
     * @return the new fid
     * @throws IOException ENOENT if some element is missing
     */
    public int walk(int fid, String path) throws IOException {
        List<String> names = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        int newfid = newFid();
        int from = fid;
        int i = 0;
        do {
            List<String> part = names.subList(i, Math.min(names.size(), i + Wire.MAXWELEM));
            List<Qid> got = walk(from, newfid, part);
            if (got.size() < part.size()) {
                if (from == newfid) {
                    clunk(newfid);
                }
                throw new NinePException(Errno.ENOENT, "no " + names.get(i + got.size()));
            }
            from = newfid;
            i += part.size();
        } while (i < names.size());
        return newfid;
    }

    /** @return the attributes of {@code fid} */
    public Attr getattr(int fid) throws IOException {
        return ((LinuxMessages.Rgetattr) call(new LinuxMessages.Tgetattr(fid, 0x3fffL),
            MessageType.RGETATTR)).attr();
    }

    /** Changes attributes of {@code fid}. */
    public void setattr(int fid, SetAttr change) throws IOException {
        call(new LinuxMessages.Tsetattr(fid, change), MessageType.RSETATTR);
    }

    /** Opens {@code fid} with Linux flags; @return the iounit */
    public int lopen(int fid, int flags) throws IOException {
        return ((IoMessages.OpenReply) call(new IoMessages.Topen(MessageType.TLOPEN, fid, flags),
            MessageType.RLOPEN)).iounit();
    }

    /** Creates and opens {@code name} in directory {@code fid}, which then names the new file. */
    public Qid lcreate(int fid, String name, int flags, int mode, int gid) throws IOException {
        return ((IoMessages.OpenReply) call(new LinuxMessages.Tcreate(MessageType.TLCREATE, fid,
            name, flags, mode, 0, 0, gid), MessageType.RLCREATE)).qid();
    }

    /** Creates directory {@code name} in directory {@code dirFid}. */
    public Qid mkdir(int dirFid, String name, int mode, int gid) throws IOException {
        return ((SessionMessages.QidReply) call(new LinuxMessages.Tcreate(MessageType.TMKDIR,
            dirFid, name, 0, mode, 0, 0, gid), MessageType.RMKDIR)).qid();
    }

    /** Creates symbolic link {@code name} to {@code target} in directory {@code dirFid}. */
    public Qid symlink(int dirFid, String name, String target, int gid) throws IOException {
        return ((SessionMessages.QidReply) call(
            new LinuxMessages.Tsymlink(dirFid, name, target, gid), MessageType.RSYMLINK))
            .qid();
    }

    /** @return the target of the symbolic link {@code fid} */
    public String readlink(int fid) throws IOException {
        return ((LinuxMessages.Rreadlink) call(
            new SessionMessages.FidRequest(MessageType.TREADLINK, fid),
            MessageType.RREADLINK)).target();
    }

    /**
     * Reads up to {@code len} bytes at {@code offset}, splitting by msize and sending the pieces
     * at once; stops at the first short piece (end of file).
     *
     * @return bytes read, 0 at end of file
     */
    public int read(int fid, long offset, byte[] buf, int off, int len) throws IOException {
        int chunk = msize() - DATA_HEADER;
        List<CompletableFuture<Fcall>> parts = new ArrayList<>();
        for (int done = 0; done < len; done += chunk) {
            parts.add(send(new IoMessages.Tread(MessageType.TREAD, fid, offset + done,
                Math.min(chunk, len - done))));
        }
        int total = 0;
        boolean eof = false;
        IOException failure = null;
        for (int i = 0; i < parts.size(); i++) {
            try {
                var r = (IoMessages.Rread) await(parts.get(i), MessageType.RREAD);
                try {
                    int n = r.data().readableBytes();
                    if (!eof) {
                        r.data().getBytes(r.data().readerIndex(), buf, off + i * chunk, n);
                        total += n;
                        eof = n < Math.min(chunk, len - i * chunk);
                    }
                } finally {
                    r.release();
                }
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null && total == 0) {
            throw failure;
        }
        return total;
    }

    /** Reads from {@code offset} to end of file. */
    public byte[] readAll(int fid) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4 * (msize() - DATA_HEADER)];
        long offset = 0;
        int n;
        while ((n = read(fid, offset, buf, 0, buf.length)) > 0) {
            out.write(buf, 0, n);
            offset += n;
        }
        return out.toByteArray();
    }

    /** Writes {@code len} bytes at {@code offset}, split by msize, pipelined; @return bytes written */
    public int write(int fid, long offset, byte[] buf, int off, int len) throws IOException {
        int chunk = msize() - Wire.IOHDRSZ;
        List<CompletableFuture<Fcall>> parts = new ArrayList<>();
        int done = 0;
        do {
            int n = Math.min(chunk, len - done);
            ByteBuf data = Unpooled.wrappedBuffer(buf, off + done, n);
            parts.add(send(new IoMessages.Twrite(fid, offset + done, data)));
            done += n;
        } while (done < len);
        int total = 0;
        IOException failure = null;
        for (CompletableFuture<Fcall> f : parts) {
            try {
                total += ((IoMessages.Rwrite) await(f, MessageType.RWRITE)).count();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return total;
    }

    /** @return every entry of the opened directory {@code fid} */
    public List<DirEntry> readdir(int fid) throws IOException {
        List<DirEntry> all = new ArrayList<>();
        long offset = 0;
        while (true) {
            var r = (IoMessages.Rread) call(new IoMessages.Tread(MessageType.TREADDIR, fid,
                offset, msize() - DATA_HEADER), MessageType.RREADDIR);
            try {
                ByteBuf d = r.data();
                if (!d.isReadable()) {
                    return all;
                }
                while (d.isReadable()) {
                    DirEntry e = new DirEntry(Wire.qid(d), Wire.u64(d), Wire.u8(d), Wire.str(d));
                    all.add(e);
                    offset = e.offset();
                }
            } finally {
                r.release();
            }
        }
    }

    /** Makes the writes on {@code fid} durable. */
    public void fsync(int fid) throws IOException {
        call(new IoMessages.Tfsync(fid, 0), MessageType.RFSYNC);
    }

    /** @return file system statistics */
    public StatFs statfs(int fid) throws IOException {
        return ((LinuxMessages.Rstatfs) call(new SessionMessages.FidRequest(MessageType.TSTATFS,
            fid), MessageType.RSTATFS)).st();
    }

    /** Renames {@code oldName} in {@code oldDir} to {@code newName} in {@code newDir}. */
    public void renameat(int oldDir, String oldName, int newDir, String newName)
        throws IOException {
        call(new LinuxMessages.Trenameat(oldDir, oldName, newDir, newName),
            MessageType.RRENAMEAT);
    }

    /** Moves the file {@code fid} to {@code name} in {@code dirFid} (Trename). */
    public void rename(int fid, int dirFid, String name) throws IOException {
        call(new LinuxMessages.TwoFids(MessageType.TRENAME, fid, dirFid, name),
            MessageType.RRENAME);
    }

    /** Removes {@code name} from {@code dirFid}; {@link #AT_REMOVEDIR} for directories. */
    public void unlinkat(int dirFid, String name, int flags) throws IOException {
        call(new LinuxMessages.Tunlinkat(dirFid, name, flags), MessageType.RUNLINKAT);
    }

    /** Removes the file of {@code fid} and clunks it. */
    public void remove(int fid) throws IOException {
        call(new SessionMessages.FidRequest(MessageType.TREMOVE, fid), MessageType.RREMOVE);
    }

    /** Forgets {@code fid}. */
    public void clunk(int fid) throws IOException {
        call(new SessionMessages.FidRequest(MessageType.TCLUNK, fid), MessageType.RCLUNK);
    }
}
