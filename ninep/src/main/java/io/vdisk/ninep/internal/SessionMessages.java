package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.vdisk.ninep.Qid;

/**
 * Session messages: version, auth, attach, flush, errors, and the shared shapes "no body" and
 * "just a qid". Layouts are given after {@code size[4] type[1] tag[2]}. Stateless holder.
 */
public final class SessionMessages {
    private SessionMessages() {
    }

    /** {@code Tversion}/{@code Rversion: msize[4] version[s]}. */
    public record Version(MessageType type, int msize, String version) implements Message {
        static Version decode(MessageType t, ByteBuf in) {
            return new Version(t, Wire.u32(in), Wire.str(in));
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(msize);
            Wire.str(out, version);
        }
    }

    /**
     * {@code Tattach: fid[4] afid[4] uname[s] aname[s] n_uname[4]} and {@code Tauth}, which lacks
     * the leading fid. {@code n_uname} is absent in classic 9P2000 (then {@code -1}).
     */
    public record Tattach(MessageType type, int fid, int afid, String uname, String aname,
        int nUname) implements Message {
        static Tattach decode(MessageType t, ByteBuf in) {
            int fid = t == MessageType.TAUTH ? Wire.NOFID : Wire.u32(in);
            int afid = Wire.u32(in);
            String uname = Wire.str(in);
            String aname = Wire.str(in);
            int nUname = in.readableBytes() >= 4 ? Wire.u32(in) : -1;
            return new Tattach(t, fid, afid, uname, aname, nUname);
        }

        @Override
        public void encode(ByteBuf out) {
            if (type != MessageType.TAUTH) {
                out.writeIntLE(fid);
            }
            out.writeIntLE(afid);
            Wire.str(out, uname);
            Wire.str(out, aname);
            out.writeIntLE(nUname);
        }
    }

    /** {@code Tflush: oldtag[2]}. */
    public record Tflush(int oldtag) implements Message {
        static Tflush decode(MessageType t, ByteBuf in) {
            return new Tflush(Wire.u16(in));
        }

        @Override
        public MessageType type() {
            return MessageType.TFLUSH;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeShortLE(oldtag);
        }
    }

    /** {@code Rlerror: ecode[4]}. */
    public record Rlerror(int ecode) implements Message {
        static Rlerror decode(MessageType t, ByteBuf in) {
            return new Rlerror(Wire.u32(in));
        }

        @Override
        public MessageType type() {
            return MessageType.RLERROR;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(ecode);
        }
    }

    /** {@code Rerror: ename[s]} (9P2000.u appends {@code errno[4]}, read if present). */
    public record Rerror(String ename, int errno) implements Message {
        static Rerror decode(MessageType t, ByteBuf in) {
            String ename = Wire.str(in);
            int errno = in.readableBytes() >= 4 ? Wire.u32(in) : 0;
            return new Rerror(ename, errno);
        }

        @Override
        public MessageType type() {
            return MessageType.RERROR;
        }

        @Override
        public void encode(ByteBuf out) {
            Wire.str(out, ename);
        }
    }

    /** A message without body: most R-messages of modifying operations. */
    public record Empty(MessageType type) implements Message {
        static Empty decode(MessageType t, ByteBuf in) {
            return new Empty(t);
        }

        @Override
        public void encode(ByteBuf out) {
        }
    }

    /** {@code qid[13]}: Rauth, Rattach, Rsymlink, Rmknod, Rmkdir. */
    public record QidReply(MessageType type, Qid qid) implements Message {
        static QidReply decode(MessageType t, ByteBuf in) {
            return new QidReply(t, Wire.qid(in));
        }

        @Override
        public void encode(ByteBuf out) {
            Wire.qid(out, qid);
        }
    }

    /** {@code fid[4]}: Tstatfs, Treadlink, Tclunk, Tremove, Tstat. */
    public record FidRequest(MessageType type, int fid) implements Message {
        static FidRequest decode(MessageType t, ByteBuf in) {
            return new FidRequest(t, Wire.u32(in));
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
        }
    }
}
