package io.vdisk.app;

import io.vdisk.cli.Env;
import io.vdisk.journal.JournalOptions;
import io.vdisk.live.ImageExports;
import io.vdisk.live.LiveImages;
import io.vdisk.nbd.NbdServer;
import io.vdisk.venti.DiskBlockStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running {@code vdisk serve}: the store, the live images, and the 9P and NBD servers on top.
 * {@link #close()} stops accepting, commits what the journals hold and closes everything; it is
 * idempotent. Thread-safe.
 */
public final class Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Server.class);

    private final Workspace workspace;
    private final DiskBlockStore store;
    private final LiveImages images;
    private final NbdServer nbd;
    private boolean closed;

    private Server(Workspace workspace, DiskBlockStore store, LiveImages images, NbdServer nbd) {
        this.workspace = workspace;
        this.store = store;
        this.images = images;
        this.nbd = nbd;
    }

    /** Opens the store and starts the servers; a null address leaves that protocol off. */
    public static Server start(Workspace w, InetSocketAddress ninep, InetSocketAddress nbdAddr,
        Env env) throws IOException, InterruptedException {
        DiskBlockStore store = w.openStore(true);
        LiveImages images = new LiveImages(w, store, JournalOptions.builder());
        NbdServer nbd = null;
        try {
            if (nbdAddr != null) {
                nbd = NbdServer.start(nbdAddr, new ImageExports(images, env.zone()),
                    Math.max(4, 2 * env.threads()));
                LOG.info("NBD listening on {}", hostPort(nbd.address()));
            }
            LOG.info("serving vdisk root {}", w.root());
            return new Server(w, store, images, nbd);
        } catch (InterruptedException | RuntimeException e) {
            if (nbd != null) nbd.close();
            images.close();
            store.close();
            throw e;
        }
    }

    static String hostPort(InetSocketAddress a) {
        return a.getHostString() + ":" + a.getPort();
    }

    public Workspace workspace() {
        return workspace;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        LOG.info("shutting down");
        if (nbd != null) nbd.close();
        try {
            images.close();
        } catch (IOException e) {
            LOG.error("closing journals: {}", e.getMessage());
        }
        try {
            store.close();
        } catch (IOException e) {
            LOG.error("closing the store: {}", e.getMessage());
        }
        LOG.info("stopped");
    }
}
