package io.vdisk.nbd;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.vdisk.nbd.internal.HandshakeHandler;
import io.vdisk.nbd.internal.IdlePoll;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An NBD server (fixed newstyle, structured replies, base:allocation) on Netty. Reads and writes
 * are answered on the event loop, flushes on a worker pool, so that a connection has many
 * requests in flight. TCP_NODELAY is set: without it small replies wait for delayed ACKs (20-40
 * ms each at queue depth above one).
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class NbdServer implements AutoCloseable {
    /** How long an event loop polls after small requests before it sleeps (see {@link IdlePoll}). */
    static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(
        Long.getLong("vdisk.nbd.pollMicros", 100));
    private final EventLoopGroup boss;
    private final EventLoopGroup io;
    private final ExecutorService workers;
    private final Channel channel;
    private boolean closed;

    private NbdServer(EventLoopGroup boss, EventLoopGroup io, ExecutorService workers,
        Channel channel) {
        this.boss = boss;
        this.io = io;
        this.workers = workers;
        this.channel = channel;
    }

    /** Binds and starts serving; port 0 picks a free port (see {@link #address()}). */
    public static NbdServer start(InetSocketAddress bind, NbdExports exports, int workerThreads)
        throws IOException, InterruptedException {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        EventLoopGroup io = epoll
            ? new EpollEventLoopGroup(2, IdlePoll.factory(POLL_NANOS))
            : new NioEventLoopGroup(2);
        ExecutorService workers = Executors.newFixedThreadPool(workerThreads, r -> {
            Thread t = new Thread(r, "nbd-worker");
            t.setDaemon(true);
            return t;
        });
        try {
            ServerBootstrap b = new ServerBootstrap().group(boss, io)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // replies of several MiB may queue before reads pause (Netty's default is 64 KiB,
                // less than one nbdcopy read)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                    new WriteBufferWaterMark(4 << 20, 8 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("nbd-handshake",
                            new HandshakeHandler(exports, workers));
                    }
                });
            Channel ch = b.bind(bind).sync().channel();
            return new NbdServer(boss, io, workers, ch);
        } catch (Exception e) { // Netty rethrows the bind's IOException unchecked
            boss.shutdownGracefully();
            io.shutdownGracefully();
            workers.shutdownNow();
            if (e instanceof InterruptedException ie) throw ie;
            throw new IOException("cannot listen for NBD on " + bind + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        channel.close().awaitUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        io.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        workers.shutdown();
    }
}
