package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vdisk.ninep.DirEntry;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import io.vdisk.ninep.Qid;
import io.vdisk.ninep.internal.IoMessages.Tread;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Builds the data replies Rread and Rreaddir directly as frames, so the file server reads
 * straight into the outgoing buffer without a copy. Frame layout:
 * {@code size[4] type[1] tag[2] count[4] data[count]}. Thread-safe: stateless beyond the
 * thread-safe {@link Session}.
 */
final class DataReplies {
    /** size[4] type[1] tag[2] count[4]. */
    private static final int DATA_HEADER = 11;

    private final Session session;
    private final Operations ops;

    DataReplies(Session session, Operations ops) {
        this.session = session;
        this.ops = ops;
    }

    Object read(ByteBufAllocator alloc, int tag, Fid f, Tread t) throws NinePException {
        if (f.xattr) {
            return new Fcall(tag,
                new IoMessages.Rread(MessageType.RREAD, io.netty.buffer.Unpooled.EMPTY_BUFFER));
        }
        OpenFile of = ops.opened(f);
        if (t.offset() < 0) {
            throw new NinePException(Errno.EINVAL, "negative offset");
        }
        int count = clampCount(t.count());
        ByteBuf frame = alloc.ioBuffer(DATA_HEADER + count);
        boolean ok = false;
        try {
            ByteBuffer dst = frame.nioBuffer(DATA_HEADER, count);
            int n = of.read(t.offset(), dst);
            if (n < 0 || n > count) {
                throw new NinePException(Errno.EIO, "read returned " + n + " of " + count);
            }
            frame.setIndex(0, DATA_HEADER + n);
            writeDataHeader(frame, MessageType.RREAD, tag, n);
            ok = true;
            return frame;
        } finally {
            if (!ok) {
                frame.release();
            }
        }
    }

    Object readdir(ByteBufAllocator alloc, int tag, Tread t) throws NinePException {
        OpenFile of = ops.opened(session.fid(t.fid()));
        int count = clampCount(t.count());
        List<DirEntry> entries = of.readdir(t.offset(), count);
        ByteBuf frame = alloc.ioBuffer(DATA_HEADER + Math.min(count, 8192));
        frame.writerIndex(DATA_HEADER);
        for (DirEntry e : entries) {
            int size = Qid.SIZE + 8 + 1 + Wire.strSize(e.name());
            if (frame.writerIndex() - DATA_HEADER + size > count) {
                break;
            }
            Wire.qid(frame, e.qid());
            frame.writeLongLE(e.offset());
            frame.writeByte(e.type());
            Wire.str(frame, e.name());
        }
        writeDataHeader(frame, MessageType.RREADDIR, tag, frame.writerIndex() - DATA_HEADER);
        return frame;
    }

    private static void writeDataHeader(ByteBuf frame, MessageType type, int tag, int count) {
        frame.setIntLE(0, DATA_HEADER + count);
        frame.setByte(4, type.id());
        frame.setShortLE(5, tag);
        frame.setIntLE(7, count);
    }

    private int clampCount(int count) {
        int max = session.msize() - DATA_HEADER;
        return count < 0 || count > max ? max : count;
    }

}
