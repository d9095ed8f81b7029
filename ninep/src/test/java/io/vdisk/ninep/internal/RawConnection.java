package io.vdisk.ninep.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/** A blocking socket speaking raw 9P frames, for tests that control tags exactly. Not thread-safe. */
final class RawConnection implements AutoCloseable {
    final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawConnection(InetSocketAddress server, int timeoutMillis) throws IOException {
        socket = new Socket(server.getAddress(), server.getPort());
        socket.setSoTimeout(timeoutMillis);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    void send(int tag, Message m) throws IOException {
        ByteBuf b = Unpooled.buffer();
        MessageEncoder.encode(new Fcall(tag, m), b);
        sendRaw(io.netty.buffer.ByteBufUtil.getBytes(b));
        b.release();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** @return the next reply, or null at end of stream */
    Fcall receive() throws IOException {
        byte[] sizeBytes = new byte[4];
        int n = in.readNBytes(sizeBytes, 0, 4);
        if (n < 4) {
            return null;
        }
        int size = Unpooled.wrappedBuffer(sizeBytes).readIntLE();
        byte[] frame = new byte[size];
        System.arraycopy(sizeBytes, 0, frame, 0, 4);
        in.readFully(frame, 4, size - 4);
        return Frames.decode(Unpooled.wrappedBuffer(frame));
    }

    Message rpc(int tag, Message m) throws IOException {
        send(tag, m);
        Fcall r = receive();
        if (r == null || r.tag() != tag) {
            throw new IOException("unexpected reply " + r + " to tag " + tag);
        }
        return r.body();
    }

    /** Negotiates 9P2000.L and attaches fid 0 to the root. */
    void handshake(int msize) throws IOException {
        rpc(Wire.NOTAG, new SessionMessages.Version(MessageType.TVERSION, msize, "9P2000.L"));
        Message a = rpc(1, new SessionMessages.Tattach(MessageType.TATTACH, 0, Wire.NOFID, "",
            "", 0));
        if (a.type() != MessageType.RATTACH) {
            throw new IOException("attach failed: " + a);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
