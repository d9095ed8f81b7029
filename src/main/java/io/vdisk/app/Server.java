package io.vdisk.app;

import io.vdisk.cli.Env;
import io.vdisk.flusher.FlushScheduler;
import io.vdisk.flusher.Flusher;
import io.vdisk.flusher.Policy;
import io.vdisk.flusher.PolicyStore;
import io.vdisk.flusher.RootKind;
import io.vdisk.journal.JournalOptions;
import io.vdisk.live.Commands;
import io.vdisk.live.Control;
import io.vdisk.live.ImageExports;
import io.vdisk.live.LiveImage;
import io.vdisk.live.LiveImages;
import io.vdisk.live.LiveTarget;
import io.vdisk.fs.VdiskFs;
import io.vdisk.ninep.NinePServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import io.vdisk.venti.Score;
import io.vdisk.nbd.NbdServer;
import io.vdisk.venti.DiskBlockStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
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
    private final FlushScheduler scheduler;
    private final Commands commands;
    private NbdServer nbd;
    private NinePServer ninep;
    private boolean closed;

    private Server(Workspace workspace, DiskBlockStore store, LiveImages images,
        FlushScheduler scheduler, Commands commands) {
        this.workspace = workspace;
        this.store = store;
        this.images = images;
        this.scheduler = scheduler;
        this.commands = commands;
    }

    /** Policies live in the root's hidden folder. */
    public static PolicyStore policies(Workspace w) {
        return new PolicyStore(w.root().resolve(Workspace.HIDDEN).resolve("policies"));
    }

    /**
     * Opens the store, opens the images whose journals hold writes to recover (the rest open
     * on first write, or when a scheduled snapshot is due) under the flusher's schedule, and
     * starts the servers; a null address leaves that protocol off.
     */
    public static Server start(Workspace w, InetSocketAddress ninep, InetSocketAddress nbdAddr,
        Env env) throws IOException, InterruptedException {
        DiskBlockStore store = w.openStore(true);
        LiveImages images = new LiveImages(w, store, JournalOptions.builder());
        Flusher flusher = new Flusher(env.clock(), env.zone());
        PolicyStore policies = policies(w);
        FlushScheduler[] self = new FlushScheduler[1];
        FlushScheduler scheduler = new FlushScheduler(flusher, 2, new FlushScheduler.Listener() {
            @Override
            public void committed(String image, RootKind kind, Score head) {
                LOG.info("{}: {} committed, head {}", image, kind.name().toLowerCase(),
                    head.abbreviated(12));
            }

            @Override
            public void idle(String image) {
                closeIfIdle(images, flusher, self[0], image);
            }
        }, images::get);
        self[0] = scheduler;
        Commands commands = new Commands(images, flusher, scheduler, policies, env.zone());
        Server server = new Server(w, store, images, scheduler, commands);
        try {
            images.onOpen(img -> server.schedule(img, policies));
            images.onFlushWanted(img -> scheduler.requestFlush(img.name()));
            images.dirtyThreshold(name -> {
                try {
                    return policies.loadOrDefault(name).dirtyBytesThreshold();
                } catch (IOException | RuntimeException e) {
                    return 0; // the policy file's error is logged when the image is scheduled
                }
            });
            scheduler.start();
            openAtStart(images, policies, scheduler);
            if (ninep != null) {
                Control control = ExecControl.create(commands, w, store, env);
                server.ninep = NinePServer.builder(new VdiskFs(images, control, env.zone()))
                    .bind(ninep).clock(env.clock()).start();
                String hp = hostPort(server.ninep.localAddress());
                // The CLI finds a running server here and sends its changes through it.
                Files.writeString(ControlClient.addressFile(w), hp + "\n",
                    StandardCharsets.UTF_8);
                LOG.info("9P listening on {}", hp);
            }
            if (nbdAddr != null) {
                server.nbd = NbdServer.start(nbdAddr, new ImageExports(images, env.zone()),
                    Math.max(4, 2 * env.threads()));
                LOG.info("NBD listening on {}", hostPort(server.nbd.address()));
            }
            LOG.info("serving vdisk root {}", w.root());
            return server;
        } catch (IOException | InterruptedException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * Opens the images that need the server before any client asks for them: those whose
     * journal may hold writes, to be recovered and flushed on schedule. Those with a snapshot
     * schedule are scheduled dormant, opened when a snapshot is due. The others open on first
     * write. Opening every image held two file descriptors each: a root of 10,500 images used
     * up a limit of 20,000, and the server failed to start.
     */
    private static void openAtStart(LiveImages images, PolicyStore policies,
        FlushScheduler scheduler) throws IOException {
        List<String> names = images.names();
        int opened = 0;
        int dormant = 0;
        for (String name : names) {
            try {
                if (!images.untouched(name)) {
                    images.get(name);
                    opened++;
                    continue;
                }
            } catch (IOException e) {
                LOG.error("{}: cannot open: {}", name, e.getMessage());
                continue;
            }
            try {
                String key = images.key(name);
                Policy p = policies.load(key).orElse(null);
                if (p != null && p.snapshotCron() != null) {
                    scheduler.registerDormant(key, p,
                        LiveTarget.recentHistory(images.store(),
                            images.headRoot(name).score()));
                    dormant++;
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("{}: snapshots not scheduled: {}", name, e.getMessage());
            }
        }
        LOG.info("{} of {} images opened at start (writes to recover), {} scheduled for"
            + " snapshots; the others open on first use", opened, names.size(), dormant);
    }

    /**
     * Closes an image no client uses whose journal holds nothing, after a scheduled flush found
     * nothing to commit, so that a long-running server does not keep every image it ever
     * served open (two descriptors each). An image with a snapshot schedule stays scheduled,
     * and opens again for its next snapshot. Holds the image's commit lock, so no commit of it
     * runs meanwhile.
     */
    private static void closeIfIdle(LiveImages images, Flusher flusher, FlushScheduler scheduler,
        String image) {
        try {
            boolean closed = flusher.exclusive(image, () -> images.closeIfIdle(image,
                img -> scheduler.forgetIdle(image)));
            if (closed) LOG.debug("{}: closed, idle", image);
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: closing it while idle: {}", image, e.getMessage());
        }
    }

    private void schedule(LiveImage img, PolicyStore policies) {
        try {
            scheduler.register(new LiveTarget(img), policies.loadOrDefault(img.name()));
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: not scheduled for flushing: {}", img.name(), e.getMessage());
        }
    }

    public Commands commands() {
        return commands;
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
        if (ninep != null) {
            ninep.close();
            try {
                Files.deleteIfExists(ControlClient.addressFile(workspace));
                Files.deleteIfExists(ExecControl.tokenFile(workspace));
            } catch (IOException e) {
                LOG.warn("removing {}: {}", ControlClient.ADDRESS_FILE, e.getMessage());
            }
        }
        if (nbd != null) nbd.close();
        try {
            scheduler.close(); // flushes every image once
        } catch (IOException e) {
            LOG.error("final flush: {}", e.getMessage());
        }
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
