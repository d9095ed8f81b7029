package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.Qid;
import java.nio.charset.StandardCharsets;

/**
 * Readers and writers of the 9P primitive types. All integers are little-endian; a string
 * {@code s} is {@code length[2] bytes[length]} in UTF-8 without terminator; a qid is 13 bytes
 * (see {@link Qid}). Readers check the bytes are there and throw {@link MalformedFrameException}
 * (EPROTO) otherwise, so a truncated frame never turns into an index exception. Stateless.
 */
public final class Wire {
    /** size[4] type[1] tag[2]. */
    public static final int HEADER_SIZE = 7;
    /** Room for the header of Rread/Twrite: size[4] type[1] tag[2] fid[4] offset[8] count[4]. */
    public static final int IOHDRSZ = 24;
    /** The tag of Tversion. */
    public static final int NOTAG = 0xffff;
    /** "No fid". */
    public static final int NOFID = -1;
    /** Most names in one Twalk. */
    public static final int MAXWELEM = 16;

    private Wire() {
    }

    private static void need(ByteBuf in, int n, String what) {
        if (in.readableBytes() < n) {
            throw new MalformedFrameException(Errno.EPROTO,
                "truncated " + what + ": need " + n + " bytes, have " + in.readableBytes());
        }
    }

    /** @return an unsigned byte */
    public static int u8(ByteBuf in) {
        need(in, 1, "u8");
        return in.readUnsignedByte();
    }

    /** @return an unsigned 16-bit value */
    public static int u16(ByteBuf in) {
        need(in, 2, "u16");
        return in.readUnsignedShortLE();
    }

    /** @return a 32-bit value (unsigned on the wire, Java int bits) */
    public static int u32(ByteBuf in) {
        need(in, 4, "u32");
        return in.readIntLE();
    }

    /** @return a 64-bit value */
    public static long u64(ByteBuf in) {
        need(in, 8, "u64");
        return in.readLongLE();
    }

    /** @return a length-prefixed UTF-8 string */
    public static String str(ByteBuf in) {
        int len = u16(in);
        need(in, len, "string");
        String s = in.toString(in.readerIndex(), len, StandardCharsets.UTF_8);
        in.skipBytes(len);
        return s;
    }

    /** @return a qid */
    public static Qid qid(ByteBuf in) {
        need(in, Qid.SIZE, "qid");
        int type = in.readUnsignedByte();
        int version = in.readIntLE();
        long path = in.readLongLE();
        return new Qid(type, version, path);
    }

    /** Writes a length-prefixed UTF-8 string. */
    public static void str(ByteBuf out, String s) {
        int lenAt = out.writerIndex();
        out.writeShortLE(0);
        int n = out.writeCharSequence(s, StandardCharsets.UTF_8);
        if (n > 0xffff) {
            throw new IllegalArgumentException("string longer than 65535 bytes");
        }
        out.setShortLE(lenAt, n);
    }

    /** Writes a qid. */
    public static void qid(ByteBuf out, Qid q) {
        out.writeByte(q.type());
        out.writeIntLE(q.version());
        out.writeLongLE(q.path());
    }

    /** @return the encoded size of a string */
    public static int strSize(String s) {
        return 2 + io.netty.buffer.ByteBufUtil.utf8Bytes(s);
    }
}
