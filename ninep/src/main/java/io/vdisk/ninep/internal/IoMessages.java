package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.Qid;
import java.util.ArrayList;
import java.util.List;

/**
 * Walk, open and data-transfer messages shared by 9P2000 and 9P2000.L. Layouts are given after
 * {@code size[4] type[1] tag[2]}. Stateless holder.
 */
public final class IoMessages {
    private IoMessages() {
    }

    /**
     * {@code Twalk: fid[4] newfid[4] nwname[2] nwname*(wname[s])}. More than {@link Wire#MAXWELEM}
     * names decode fine and are refused by the handler with EINVAL (the count is still checked
     * against the frame).
     */
    public record Twalk(int fid, int newfid, List<String> names) implements Message {
        static Twalk decode(MessageType t, ByteBuf in) {
            int fid = Wire.u32(in);
            int newfid = Wire.u32(in);
            int n = Wire.u16(in);
            if (n * 2 > in.readableBytes()) {
                throw new MalformedFrameException(Errno.EPROTO, "nwname " + n + " exceeds frame");
            }
            List<String> names = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                names.add(Wire.str(in));
            }
            return new Twalk(fid, newfid, List.copyOf(names));
        }

        @Override
        public MessageType type() {
            return MessageType.TWALK;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeIntLE(newfid);
            out.writeShortLE(names.size());
            names.forEach(s -> Wire.str(out, s));
        }
    }

    /** {@code Rwalk: nwqid[2] nwqid*(qid[13])}. */
    public record Rwalk(List<Qid> qids) implements Message {
        static Rwalk decode(MessageType t, ByteBuf in) {
            int n = Wire.u16(in);
            List<Qid> qids = new ArrayList<>(Math.min(n, Wire.MAXWELEM));
            for (int i = 0; i < n; i++) {
                qids.add(Wire.qid(in));
            }
            return new Rwalk(List.copyOf(qids));
        }

        @Override
        public MessageType type() {
            return MessageType.RWALK;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeShortLE(qids.size());
            qids.forEach(q -> Wire.qid(out, q));
        }
    }

    /** {@code Tlopen: fid[4] flags[4]} and classic {@code Topen: fid[4] mode[1]}. */
    public record Topen(MessageType type, int fid, int flags) implements Message {
        static Topen decode(MessageType t, ByteBuf in) {
            int fid = Wire.u32(in);
            return new Topen(t, fid, t == MessageType.TOPEN ? Wire.u8(in) : Wire.u32(in));
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            if (type == MessageType.TOPEN) {
                out.writeByte(flags);
            } else {
                out.writeIntLE(flags);
            }
        }
    }

    /** {@code qid[13] iounit[4]}: Rlopen, Rlcreate, Ropen, Rcreate. */
    public record OpenReply(MessageType type, Qid qid, int iounit) implements Message {
        static OpenReply decode(MessageType t, ByteBuf in) {
            return new OpenReply(t, Wire.qid(in), Wire.u32(in));
        }

        @Override
        public void encode(ByteBuf out) {
            Wire.qid(out, qid);
            out.writeIntLE(iounit);
        }
    }

    /** {@code Tread}/{@code Treaddir: fid[4] offset[8] count[4]}. */
    public record Tread(MessageType type, int fid, long offset, int count) implements Message {
        static Tread decode(MessageType t, ByteBuf in) {
            return new Tread(t, Wire.u32(in), Wire.u64(in), Wire.u32(in));
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeLongLE(offset);
            out.writeIntLE(count);
        }
    }

    /**
     * {@code Rread}/{@code Rreaddir: count[4] data[count]}. Holds a retained slice of the frame
     * when decoded; the server builds its Rread frames directly (see {@code ReadReplies}).
     */
    public record Rread(MessageType type, ByteBuf data) implements Message {
        static Rread decode(MessageType t, ByteBuf in) {
            int count = Wire.u32(in);
            if (count < 0 || count > in.readableBytes()) {
                throw new MalformedFrameException(Errno.EPROTO,
                    "count " + count + " exceeds frame");
            }
            return new Rread(t, in.readRetainedSlice(count));
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(data.readableBytes());
            out.writeBytes(data, data.readerIndex(), data.readableBytes());
        }

        @Override
        public void release() {
            data.release();
        }
    }

    /** {@code Twrite: fid[4] offset[8] count[4] data[count]}; holds a retained slice. */
    public record Twrite(int fid, long offset, ByteBuf data) implements Message {
        static Twrite decode(MessageType t, ByteBuf in) {
            int fid = Wire.u32(in);
            long offset = Wire.u64(in);
            int count = Wire.u32(in);
            if (count < 0 || count > in.readableBytes()) {
                throw new MalformedFrameException(Errno.EPROTO,
                    "count " + count + " exceeds frame");
            }
            return new Twrite(fid, offset, in.readRetainedSlice(count));
        }

        @Override
        public MessageType type() {
            return MessageType.TWRITE;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeLongLE(offset);
            out.writeIntLE(data.readableBytes());
            out.writeBytes(data, data.readerIndex(), data.readableBytes());
        }

        @Override
        public void release() {
            data.release();
        }
    }

    /** {@code Rwrite: count[4]}. */
    public record Rwrite(int count) implements Message {
        static Rwrite decode(MessageType t, ByteBuf in) {
            return new Rwrite(Wire.u32(in));
        }

        @Override
        public MessageType type() {
            return MessageType.RWRITE;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(count);
        }
    }

    /** {@code Tfsync: fid[4] datasync[4]}. */
    public record Tfsync(int fid, int datasync) implements Message {
        static Tfsync decode(MessageType t, ByteBuf in) {
            return new Tfsync(Wire.u32(in), Wire.u32(in));
        }

        @Override
        public MessageType type() {
            return MessageType.TFSYNC;
        }

        @Override
        public void encode(ByteBuf out) {
            out.writeIntLE(fid);
            out.writeIntLE(datasync);
        }
    }
}
