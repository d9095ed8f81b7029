package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.Qid;

/**
 * The classic 9P2000 messages that 9P2000.L replaced: create, stat and wstat, and the stat
 * structure that directory reads return. Layouts are given after {@code size[4] type[1] tag[2]},
 * as in Plan 9's intro(5) and stat(5). Stateless holder.
 */
public final class ClassicMessages {
    /** Directory bit of a stat mode. */
    public static final int DMDIR = 0x80000000;
    /** Symlink bit of a stat mode (9P2000.u). */
    public static final int DMSYMLINK = 0x02000000;

    private ClassicMessages() {
    }

    /**
     * The machine-independent directory entry:
     *
     * <pre>
     * size[2] type[2] dev[4] qid[13] mode[4] atime[4] mtime[4] length[8]
     * name[s] uid[s] gid[s] muid[s]
     * </pre>
     *
     * where {@code size} counts the bytes after itself. In Twstat, "don't touch" is all ones for
     * numbers and the empty string for strings.
     */
    public record Stat(int type, int dev, Qid qid, int mode, int atime, int mtime, long length,
        String name, String uid, String gid, String muid) {
        /** @return the encoded size including the leading size[2] */
        public int size() {
            return 2 + 2 + 4 + Qid.SIZE + 4 + 4 + 4 + 8 + Wire.strSize(name) + Wire.strSize(uid)
                + Wire.strSize(gid) + Wire.strSize(muid);
        }

        /** Writes the stat including its size[2]. */
        public void encode(ByteBuf out) {
            out.writeShortLE(size() - 2);
            out.writeShortLE(type);
            out.writeIntLE(dev);
            Wire.qid(out, qid);
            out.writeIntLE(mode);
            out.writeIntLE(atime);
            out.writeIntLE(mtime);
            out.writeLongLE(length);
            Wire.str(out, name);
            Wire.str(out, uid);
            Wire.str(out, gid);
            Wire.str(out, muid);
        }

        /** Reads a stat including its size[2]; extra bytes (9P2000.u fields) are skipped. */
        public static Stat decode(ByteBuf in) {
            int size = Wire.u16(in);
            if (size > in.readableBytes()) {
                throw new MalformedFrameException(Errno.EPROTO, "stat size exceeds frame");
            }
            ByteBuf s = in.readSlice(size);
            Stat st = new Stat(Wire.u16(s), Wire.u32(s), Wire.qid(s), Wire.u32(s), Wire.u32(s),
                Wire.u32(s), Wire.u64(s), Wire.str(s), Wire.str(s), Wire.str(s),
                Wire.str(s));
            return st;
        }
    }

    /** {@code Tcreate: fid[4] name[s] perm[4] mode[1]} (9P2000.u appends extension[s]). */
    public record Tcreate(int fid, String name, int perm, int mode) implements Message {
        static Tcreate decode(MessageType t, ByteBuf in) {
            return new Tcreate(Wire.u32(in), Wire.str(in), Wire.u32(in), Wire.u8(in));
        }

        @Override
        public MessageType type() {
            return MessageType.TCREATE;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            Wire.str(out, name);
            out.writeIntLE(perm);
            out.writeByte(mode);
        }
    }

    /** {@code Rstat: n[2] stat[n]}. */
    public record Rstat(Stat stat) implements Message {
        static Rstat decode(MessageType t, ByteBuf in) {
            Wire.u16(in);
            return new Rstat(Stat.decode(in));
        }

        @Override
        public MessageType type() {
            return MessageType.RSTAT;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeShortLE(stat.size());
            stat.encode(out);
        }
    }

    /** {@code Twstat: fid[4] n[2] stat[n]}. */
    public record Twstat(int fid, Stat stat) implements Message {
        static Twstat decode(MessageType t, ByteBuf in) {
            int fid = Wire.u32(in);
            Wire.u16(in);
            return new Twstat(fid, Stat.decode(in));
        }

        @Override
        public MessageType type() {
            return MessageType.TWSTAT;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeShortLE(stat.size());
            stat.encode(out);
        }
    }
}
