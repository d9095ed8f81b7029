package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.vdisk.ninep.Attr;
import io.vdisk.ninep.LockRequest;
import io.vdisk.ninep.Qid;
import io.vdisk.ninep.SetAttr;
import io.vdisk.ninep.StatFs;

/**
 * The 9P2000.L-only messages. Layouts are given after {@code size[4] type[1] tag[2]}, as in the
 * Linux kernel's net/9p/client.c and diod's protocol.md. Stateless holder.
 */
public final class LinuxMessages {
    private LinuxMessages() {
    }

    /**
     * {@code Tlcreate: fid[4] name[s] flags[4] mode[4] gid[4]}, {@code Tmkdir: dfid[4] name[s]
     * mode[4] gid[4]} (flags 0) and {@code Tmknod: dfid[4] name[s] mode[4] major[4] minor[4]
     * gid[4]} (flags 0).
     */
    public record Tcreate(MessageType type, int fid, String name, int flags, int mode, int major,
        int minor, int gid) implements Message {
        static Tcreate decode(MessageType t, ByteBuf in) {
            int fid = Wire.u32(in);
            String name = Wire.str(in);
            return switch (t) {
                case TLCREATE -> new Tcreate(t, fid, name, Wire.u32(in), Wire.u32(in), 0, 0,
                    Wire.u32(in));
                case TMKNOD -> new Tcreate(t, fid, name, 0, Wire.u32(in), Wire.u32(in),
                    Wire.u32(in), Wire.u32(in));
                default -> new Tcreate(t, fid, name, 0, Wire.u32(in), 0, 0, Wire.u32(in));
            };
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            Wire.str(out, name);
            if (type == MessageType.TLCREATE) {
                out.writeIntLE(flags);
            }
            out.writeIntLE(mode);
            if (type == MessageType.TMKNOD) {
                out.writeIntLE(major);
                out.writeIntLE(minor);
            }
            out.writeIntLE(gid);
        }
    }

    /** {@code Tsymlink: fid[4] name[s] symtgt[s] gid[4]}. */
    public record Tsymlink(int fid, String name, String target, int gid) implements Message {
        static Tsymlink decode(MessageType t, ByteBuf in) {
            return new Tsymlink(Wire.u32(in), Wire.str(in), Wire.str(in), Wire.u32(in));
        }

        @Override
        public MessageType type() {
            return MessageType.TSYMLINK;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            Wire.str(out, name);
            Wire.str(out, target);
            out.writeIntLE(gid);
        }
    }

    /**
     * {@code Trename: fid[4] dfid[4] name[s]}, {@code Tlink: dfid[4] fid[4] name[s]} and
     * {@code Txattrwalk: fid[4] newfid[4] name[s]}: two fids and a name.
     */
    public record TwoFids(MessageType type, int fid1, int fid2, String name) implements Message {
        static TwoFids decode(MessageType t, ByteBuf in) {
            return new TwoFids(t, Wire.u32(in), Wire.u32(in), Wire.str(in));
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid1);
            out.writeIntLE(fid2);
            Wire.str(out, name);
        }
    }

    /** {@code Trenameat: olddirfid[4] oldname[s] newdirfid[4] newname[s]}. */
    public record Trenameat(int oldDir, String oldName, int newDir, String newName)
        implements
            Message {
        static Trenameat decode(MessageType t, ByteBuf in) {
            return new Trenameat(Wire.u32(in), Wire.str(in), Wire.u32(in), Wire.str(in));
        }

        @Override
        public MessageType type() {
            return MessageType.TRENAMEAT;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(oldDir);
            Wire.str(out, oldName);
            out.writeIntLE(newDir);
            Wire.str(out, newName);
        }
    }

    /** {@code Tunlinkat: dirfd[4] name[s] flags[4]}. */
    public record Tunlinkat(int dirFid, String name, int flags) implements Message {
        static Tunlinkat decode(MessageType t, ByteBuf in) {
            return new Tunlinkat(Wire.u32(in), Wire.str(in), Wire.u32(in));
        }

        @Override
        public MessageType type() {
            return MessageType.TUNLINKAT;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(dirFid);
            Wire.str(out, name);
            out.writeIntLE(flags);
        }
    }

    /** {@code Rreadlink: target[s]}. */
    public record Rreadlink(String target) implements Message {
        static Rreadlink decode(MessageType t, ByteBuf in) {
            return new Rreadlink(Wire.str(in));
        }

        @Override
        public MessageType type() {
            return MessageType.RREADLINK;
        }

        @Override
        public void encode(ByteBuf out) {
            Wire.str(out, target);
        }
    }

    /** {@code Tgetattr: fid[4] request_mask[8]}. */
    public record Tgetattr(int fid, long mask) implements Message {
        static Tgetattr decode(MessageType t, ByteBuf in) {
            return new Tgetattr(Wire.u32(in), Wire.u64(in));
        }

        @Override
        public MessageType type() {
            return MessageType.TGETATTR;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeLongLE(mask);
        }
    }

    /**
     * {@code Rgetattr: valid[8] qid[13] mode[4] uid[4] gid[4] nlink[8] rdev[8] size[8] blksize[8]
     * blocks[8] atime_sec[8] atime_nsec[8] mtime_sec[8] mtime_nsec[8] ctime_sec[8] ctime_nsec[8]
     * btime_sec[8] btime_nsec[8] gen[8] data_version[8]}; btime, gen and data_version are sent as
     * 0 and not flagged valid.
     */
    public record Rgetattr(long valid, Qid qid, Attr attr) implements Message {
        /** P9_GETATTR_BASIC: mode through blocks. */
        public static final long BASIC = 0x7ffL;

        static Rgetattr decode(MessageType t, ByteBuf in) {
            long valid = Wire.u64(in);
            Qid qid = Wire.qid(in);
            Attr a = new Attr(Wire.u32(in), Wire.u32(in), Wire.u32(in), Wire.u64(in),
                Wire.u64(in), Wire.u64(in), Wire.u64(in), Wire.u64(in), Wire.u64(in),
                Wire.u64(in), Wire.u64(in), Wire.u64(in), Wire.u64(in), Wire.u64(in));
            for (int i = 0; i < 4; i++) {
                Wire.u64(in);
            }
            return new Rgetattr(valid, qid, a);
        }

        @Override
        public MessageType type() {
            return MessageType.RGETATTR;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeLongLE(valid);
            Wire.qid(out, qid);
            out.writeIntLE(attr.mode());
            out.writeIntLE(attr.uid());
            out.writeIntLE(attr.gid());
            out.writeLongLE(attr.nlink());
            out.writeLongLE(attr.rdev());
            out.writeLongLE(attr.size());
            out.writeLongLE(attr.blksize());
            out.writeLongLE(attr.blocks());
            out.writeLongLE(attr.atimeSec());
            out.writeLongLE(attr.atimeNsec());
            out.writeLongLE(attr.mtimeSec());
            out.writeLongLE(attr.mtimeNsec());
            out.writeLongLE(attr.ctimeSec());
            out.writeLongLE(attr.ctimeNsec());
            out.writeZero(32);
        }
    }

    /** {@code Tsetattr: fid[4]} followed by the {@link SetAttr} layout. */
    public record Tsetattr(int fid, SetAttr attr) implements Message {
        static Tsetattr decode(MessageType t, ByteBuf in) {
            return new Tsetattr(Wire.u32(in), new SetAttr(Wire.u32(in), Wire.u32(in),
                Wire.u32(in), Wire.u32(in), Wire.u64(in), Wire.u64(in), Wire.u64(in),
                Wire.u64(in), Wire.u64(in)));
        }

        @Override
        public MessageType type() {
            return MessageType.TSETATTR;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeIntLE(attr.valid());
            out.writeIntLE(attr.mode());
            out.writeIntLE(attr.uid());
            out.writeIntLE(attr.gid());
            out.writeLongLE(attr.size());
            out.writeLongLE(attr.atimeSec());
            out.writeLongLE(attr.atimeNsec());
            out.writeLongLE(attr.mtimeSec());
            out.writeLongLE(attr.mtimeNsec());
        }
    }

    /** {@code Rstatfs: type[4] bsize[4] blocks[8] bfree[8] bavail[8] files[8] ffree[8] fsid[8] namelen[4]}. */
    public record Rstatfs(StatFs st) implements Message {
        static Rstatfs decode(MessageType t, ByteBuf in) {
            return new Rstatfs(new StatFs(Wire.u32(in), Wire.u32(in), Wire.u64(in), Wire.u64(in),
                Wire.u64(in), Wire.u64(in), Wire.u64(in), Wire.u64(in), Wire.u32(in)));
        }

        @Override
        public MessageType type() {
            return MessageType.RSTATFS;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(st.type());
            out.writeIntLE(st.bsize());
            out.writeLongLE(st.blocks());
            out.writeLongLE(st.bfree());
            out.writeLongLE(st.bavail());
            out.writeLongLE(st.files());
            out.writeLongLE(st.ffree());
            out.writeLongLE(st.fsid());
            out.writeIntLE(st.namelen());
        }
    }

    /** {@code Rxattrwalk: size[8]}. */
    public record Rxattrwalk(long size) implements Message {
        static Rxattrwalk decode(MessageType t, ByteBuf in) {
            return new Rxattrwalk(Wire.u64(in));
        }

        @Override
        public MessageType type() {
            return MessageType.RXATTRWALK;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeLongLE(size);
        }
    }

    /** {@code Txattrcreate: fid[4] name[s] attr_size[8] flags[4]}. */
    public record Txattrcreate(int fid, String name, long size, int flags) implements Message {
        static Txattrcreate decode(MessageType t, ByteBuf in) {
            return new Txattrcreate(Wire.u32(in), Wire.str(in), Wire.u64(in), Wire.u32(in));
        }

        @Override
        public MessageType type() {
            return MessageType.TXATTRCREATE;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            Wire.str(out, name);
            out.writeLongLE(size);
            out.writeIntLE(flags);
        }
    }

    /**
     * {@code Tlock: fid[4] type[1] flags[4] start[8] length[8] proc_id[4] client_id[s]},
     * {@code Tgetlock: fid[4] type[1] start[8] length[8] proc_id[4] client_id[s]} and
     * {@code Rgetlock: type[1] start[8] length[8] proc_id[4] client_id[s]} (no fid).
     */
    public record LockMessage(MessageType type, int fid, LockRequest lock) implements Message {
        static LockMessage decode(MessageType t, ByteBuf in) {
            int fid = t == MessageType.RGETLOCK ? Wire.NOFID : Wire.u32(in);
            int type = Wire.u8(in);
            int flags = t == MessageType.TLOCK ? Wire.u32(in) : 0;
            return new LockMessage(t, fid, new LockRequest(type, flags, Wire.u64(in),
                Wire.u64(in), Wire.u32(in), Wire.str(in)));
        }

        @Override
        public void encode(ByteBuf out) {
            if (type != MessageType.RGETLOCK) {
                out.writeIntLE(fid);
            }
            out.writeByte(lock.type());
            if (type == MessageType.TLOCK) {
                out.writeIntLE(lock.flags());
            }
            out.writeLongLE(lock.start());
            out.writeLongLE(lock.length());
            out.writeIntLE(lock.procId());
            Wire.str(out, lock.clientId());
        }
    }

    /** {@code Rlock: status[1]}. */
    public record Rlock(int status) implements Message {
        static Rlock decode(MessageType t, ByteBuf in) {
            return new Rlock(Wire.u8(in));
        }

        @Override
        public MessageType type() {
            return MessageType.RLOCK;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeByte(status);
        }
    }
}
