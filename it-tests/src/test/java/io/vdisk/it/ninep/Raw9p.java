package io.vdisk.it.ninep;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A blocking socket that speaks hand-built 9P frames ({@code size[4] type[1] tag[2] body}, little
 * endian), so tests can send what no well-behaved client would. Not thread-safe.
 */
final class Raw9p implements AutoCloseable {
    static final int RLERROR = 7;
    static final int TLOPEN = 12;
    static final int TGETATTR = 24;
    static final int TVERSION = 100;
    static final int TATTACH = 104;
    static final int TWALK = 110;
    static final int TREAD = 116;
    static final int TWRITE = 118;
    static final int NOTAG = 0xffff;
    static final int NOFID = -1;

    /** A reply: its type, tag and body after the header. */
    record Reply(int type, int tag, ByteBuffer body) {
        /** @return the errno of an Rlerror, or -1 */
        int errno() {
            return type == RLERROR ? body.getInt(0) : -1;
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    Raw9p(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(60_000); // only so a hung server fails the test instead of hanging it
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** A little-endian body builder. */
    static final class Body {
        private final ByteBuffer b = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

        Body u8(int v) {
            b.put((byte) v);
            return this;
        }

        Body u16(int v) {
            b.putShort((short) v);
            return this;
        }

        Body u32(int v) {
            b.putInt(v);
            return this;
        }

        Body u64(long v) {
            b.putLong(v);
            return this;
        }

        Body str(String s) {
            byte[] x = s.getBytes(StandardCharsets.UTF_8);
            b.putShort((short) x.length).put(x);
            return this;
        }

        Body bytes(byte[] x) {
            b.put(x);
            return this;
        }

        byte[] array() {
            byte[] x = new byte[b.position()];
            b.duplicate().flip().get(x);
            return x;
        }
    }

    static Body body() {
        return new Body();
    }

    /** @return a whole frame with a correct size field */
    static byte[] frame(int type, int tag, Body body) {
        byte[] x = body.array();
        ByteBuffer f = ByteBuffer.allocate(7 + x.length).order(ByteOrder.LITTLE_ENDIAN);
        f.putInt(7 + x.length).put((byte) type).putShort((short) tag).put(x);
        return f.array();
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** @return the next reply, or null when the server closed the connection */
    Reply receive() throws IOException {
        byte[] head = new byte[4];
        if (in.readNBytes(head, 0, 4) < 4) {
            return null;
        }
        int size = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt();
        byte[] rest = new byte[size - 4];
        in.readFully(rest);
        ByteBuffer r = ByteBuffer.wrap(rest).order(ByteOrder.LITTLE_ENDIAN);
        int type = r.get() & 0xff;
        int tag = r.getShort() & 0xffff;
        return new Reply(type, tag, r.slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    Reply rpc(int type, int tag, Body body) throws IOException {
        send(frame(type, tag, body));
        return receive();
    }

    /** Tversion (9P2000.L) and Tattach of fid 0 to the root. */
    void handshake(int msize) throws IOException {
        Reply v = rpc(TVERSION, NOTAG, body().u32(msize).str("9P2000.L"));
        if (v == null || v.type() != TVERSION + 1) {
            throw new IOException("version refused: " + v);
        }
        Reply a = rpc(TATTACH, 1, body().u32(0).u32(NOFID).str("").str("").u32(0));
        if (a == null || a.type() != TATTACH + 1) {
            throw new IOException("attach refused: " + a);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
