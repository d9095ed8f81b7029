package io.vdisk.ninep;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vdisk.ninep.internal.FrameDecoder;
import io.vdisk.ninep.internal.MessageEncoder;
import io.vdisk.ninep.internal.RequestHandler;
import io.vdisk.ninep.internal.Session;
import io.vdisk.ninep.internal.Wire;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A 9P2000.L and 9P2000 server on Netty serving one {@link FileServer}. Uses epoll when available,
 * sets TCP_NODELAY, and runs requests on a worker pool so that the requests of one connection
 * proceed concurrently. Start with {@link #builder(FileServer)}.
 *
 * <p>
 * Thread-safe. Owns its event loops and, unless one was supplied, its worker pool;
 * {@link #close()} is idempotent and waits for them to stop.
 */
public final class NinePServer implements AutoCloseable {
    /** Default and largest offered msize: 1 MiB of payload plus the I/O header. */
    public static final int DEFAULT_MAX_MSIZE = (1 << 20) + Wire.IOHDRSZ;
    private static final System.Logger LOG = System.getLogger(NinePServer.class.getName());

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService ownedExecutor;
    private final Channel serverChannel;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NinePServer(Builder b) throws IOException {
        boolean epoll = Epoll.isAvailable();
        boss = epoll
            ? new EpollEventLoopGroup(1, new DefaultThreadFactory("ninep-accept"))
            : new NioEventLoopGroup(1, new DefaultThreadFactory("ninep-accept"));
        workers = epoll
            ? new EpollEventLoopGroup(b.ioThreads, new DefaultThreadFactory("ninep-io"))
            : new NioEventLoopGroup(b.ioThreads, new DefaultThreadFactory("ninep-io"));
        ExecutorService pool = null;
        java.util.concurrent.Executor executor = b.executor;
        if (executor == null) {
            pool = Executors.newFixedThreadPool(b.workerThreads,
                new DefaultThreadFactory("ninep-worker", true));
            executor = pool;
        }
        ownedExecutor = pool;
        @SuppressWarnings("unchecked")
        FileServer<Object> fs = (FileServer<Object>) b.fileServer;
        final java.util.concurrent.Executor exec = executor;
        final int maxMsize = b.maxMsize;
        final Clock clock = b.clock;
        Class<? extends ServerChannel> channelType = epoll
            ? EpollServerSocketChannel.class
            : NioServerSocketChannel.class;
        ServerBootstrap sb = new ServerBootstrap().group(boss, workers).channel(channelType)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    Session session = new Session(maxMsize);
                    ch.pipeline().addLast("frames", new FrameDecoder(session::msize))
                        .addLast("encoder", MessageEncoder.INSTANCE)
                        .addLast("server",
                            new RequestHandler(fs, session, exec, clock, maxMsize))
                        .addLast("log", new ConnectionLog());
                }
            });
        try {
            serverChannel = sb.bind(b.address).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while binding " + b.address, e);
        } catch (Exception e) { // Netty rethrows the bind's IOException unchecked
            close();
            throw new IOException("cannot listen for 9P on " + b.address + ": " + e.getMessage(),
                e);
        }
        LOG.log(System.Logger.Level.INFO, "9p: serving on {0} (msize {1}, {2})", localAddress(),
            maxMsize, epoll ? "epoll" : "nio");
    }

    /**
     * @param fileServer the tree to serve
     * @return a builder; defaults: 127.0.0.1 on an ephemeral port, msize
     *         {@link #DEFAULT_MAX_MSIZE}, a private worker pool
     */
    public static Builder builder(FileServer<?> fileServer) {
        return new Builder(fileServer);
    }

    /** @return the bound address (with the real port when 0 was asked) */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Stops accepting, closes every connection and waits for the threads to stop. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (ownedExecutor != null) {
            ownedExecutor.shutdownNow();
            try {
                ownedExecutor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Logs one line per connection. Stateless and sharable in effect, but cheap per channel. */
    private static final class ConnectionLog extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            LOG.log(System.Logger.Level.INFO, "9p: connection from {0}",
                ctx.channel().remoteAddress());
            super.channelActive(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            LOG.log(System.Logger.Level.INFO, "9p: connection from {0} closed",
                ctx.channel().remoteAddress());
            super.channelInactive(ctx);
        }
    }

    /** Configures and starts a {@link NinePServer}. Not thread-safe. */
    public static final class Builder {
        private final FileServer<?> fileServer;
        private InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
        private int maxMsize = DEFAULT_MAX_MSIZE;
        private java.util.concurrent.Executor executor;
        private int workerThreads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        private int ioThreads = 0;
        private Clock clock = Clock.systemUTC();

        private Builder(FileServer<?> fileServer) {
            this.fileServer = Objects.requireNonNull(fileServer, "fileServer");
        }

        /**
         * @param bind the address to listen on (port 0: any free port)
         * @return this
         */
        public Builder bind(InetSocketAddress bind) {
            this.address = Objects.requireNonNull(bind, "bind");
            return this;
        }

        /**
         * @param max the largest msize agreed to in Tversion (at least 4096)
         * @return this
         */
        public Builder maxMsize(int max) {
            if (max < 4096) {
                throw new IllegalArgumentException("msize must be at least 4096: " + max);
            }
            this.maxMsize = max;
            return this;
        }

        /**
         * @param requests runs the requests; not shut down by the server
         * @return this
         */
        public Builder executor(java.util.concurrent.Executor requests) {
            this.executor = Objects.requireNonNull(requests, "executor");
            return this;
        }

        /**
         * @param n size of the private worker pool when no executor is given
         * @return this
         */
        public Builder workerThreads(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("workerThreads must be positive: " + n);
            }
            this.workerThreads = n;
            return this;
        }

        /**
         * @param n event-loop threads, 0 for Netty's default
         * @return this
         */
        public Builder ioThreads(int n) {
            this.ioThreads = n;
            return this;
        }

        /**
         * @param c the clock for "set time to now" requests
         * @return this
         */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * Binds and starts serving.
         *
         * @return the running server
         * @throws IOException if it cannot bind
         */
        public NinePServer start() throws IOException {
            return new NinePServer(this);
        }
    }
}
