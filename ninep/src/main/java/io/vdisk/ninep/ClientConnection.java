package io.vdisk.ninep;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vdisk.ninep.internal.ClientHandler;
import io.vdisk.ninep.internal.Fcall;
import io.vdisk.ninep.internal.FrameDecoder;
import io.vdisk.ninep.internal.Message;
import io.vdisk.ninep.internal.MessageEncoder;
import io.vdisk.ninep.internal.MessageType;
import io.vdisk.ninep.internal.SessionMessages;
import io.vdisk.ninep.internal.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The transport half of the 9P2000.L client: connection, version negotiation, tags and
 * request/reply matching. {@link NinePClient} adds the file operations on top. Thread-safe:
 * many threads may issue requests at once and they are pipelined on the one connection.
 * Owns its socket and event loop; {@link #close()} is idempotent.
 */
abstract class ClientConnection implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    private final ClientHandler handler = new ClientHandler();
    private final Duration timeout;
    private final AtomicInteger nextFid = new AtomicInteger(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile int frameLimit;
    private final int msize;

    ClientConnection(InetSocketAddress server, int wantMsize, Duration timeout) throws IOException {
        this.timeout = timeout;
        this.frameLimit = wantMsize;
        group = new NioEventLoopGroup(1, new DefaultThreadFactory("ninep-client", true));
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new FrameDecoder(() -> frameLimit))
                        .addLast(MessageEncoder.INSTANCE).addLast(handler);
                }
            });
        try {
            ChannelFuture cf = b.connect(server).awaitUninterruptibly();
            if (!cf.isSuccess()) {
                throw new IOException("cannot connect to 9P server " + server, cf.cause());
            }
            channel = cf.channel();
            var v = (SessionMessages.Version) call(Wire.NOTAG,
                new SessionMessages.Version(MessageType.TVERSION, wantMsize, "9P2000.L"),
                MessageType.RVERSION);
            if (!v.version().equals("9P2000.L")) {
                throw new NinePException(Errno.EPROTO, "server speaks " + v.version());
            }
            if (Integer.compareUnsigned(v.msize(), wantMsize) > 0 || v.msize() < 4096) {
                throw new NinePException(Errno.EPROTO, "server offered msize " + v.msize());
            }
            msize = v.msize();
            frameLimit = msize;
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** @return the negotiated msize */
    public int msize() {
        return msize;
    }

    /** @return an unused fid number for this connection */
    public int newFid() {
        return nextFid.getAndIncrement();
    }

    /** Sends one request; the future completes with the reply (which may be an error). */
    CompletableFuture<Fcall> send(Message m) throws IOException {
        return send(-1, m);
    }

    private CompletableFuture<Fcall> send(int fixedTag, Message m) throws IOException {
        CompletableFuture<Fcall> f = new CompletableFuture<>();
        int tag;
        try {
            tag = handler.register(fixedTag, f);
        } catch (IOException e) {
            m.release();
            throw e;
        }
        channel.writeAndFlush(new Fcall(tag, m)).addListener(w -> {
            if (!w.isSuccess()) {
                handler.fail(tag, new IOException("cannot send " + m.type(), w.cause()));
            }
        });
        return f;
    }

    /** Sends and waits; error replies become {@link NinePException}. */
    Message call(Message m, MessageType expect) throws IOException {
        return call(-1, m, expect);
    }

    private Message call(int tag, Message m, MessageType expect) throws IOException {
        return await(send(tag, m), expect);
    }

    /** Waits for a reply; error replies become {@link NinePException}. */
    Message await(CompletableFuture<Fcall> f, MessageType expect) throws IOException {
        Fcall r;
        try {
            r = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + expect, e);
        } catch (TimeoutException e) {
            throw new IOException("no " + expect + " within " + timeout, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof IOException io ? io : new IOException(c);
        }
        Message body = r.body();
        if (body instanceof SessionMessages.Rlerror err) {
            throw new NinePException(err.ecode(), expect + ": " + Errno.message(err.ecode()));
        }
        if (body instanceof SessionMessages.Rerror err) {
            int errno = err.errno() != 0 ? err.errno() : Errno.fromMessage(err.ename());
            throw new NinePException(errno, expect + ": " + err.ename());
        }
        if (body.type() != expect) {
            r.release();
            throw new NinePException(Errno.EPROTO, "expected " + expect + ", got " + body.type());
        }
        return body;
    }

    /** Closes the connection and stops the event loop. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            channel.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }
}
