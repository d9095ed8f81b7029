package io.vdisk.app;

import io.vdisk.cli.Env;
import io.vdisk.flusher.Flusher;
import io.vdisk.journal.JournalOptions;
import io.vdisk.live.Commands;
import io.vdisk.live.LiveImages;
import io.vdisk.ninep.NinePClient;
import io.vdisk.venti.DiskBlockStore;
import io.vdisk.venti.StoreInUseException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Runs a control command (see {@link Commands}) where it belongs: through the running server's
 * control file when {@code vdisk serve} holds the root, so there is never a second writer; in
 * this process otherwise. Not thread-safe (one per command).
 */
public final class ControlClient {
    /** Where a running server leaves its 9P address: {@code .vdisk/serve.9p}. */
    public static final String ADDRESS_FILE = "serve.9p";

    private ControlClient() {
    }

    public static Path addressFile(Workspace w) {
        return w.root().resolve(Workspace.HIDDEN).resolve(ADDRESS_FILE);
    }

    public static String run(Workspace w, Env env, String line) throws IOException {
        Path addr = addressFile(w);
        if (Files.exists(addr)) {
            String text = Files.readString(addr, StandardCharsets.UTF_8).strip();
            InetSocketAddress a = parse(text);
            try {
                return viaServer(a, w, line);
            } catch (java.net.ConnectException e) {
                // A server that died without cleaning up: fall through and do it here.
            }
        }
        try (DiskBlockStore store = openStore(w);
            LiveImages images = new LiveImages(w, store, JournalOptions.builder())) {
            Commands c = new Commands(images, new Flusher(env.clock(), env.zone()), null,
                Server.policies(w), env.zone());
            return c.execute(line);
        }
    }

    /** The store, for a command run here; says why when a server without 9P holds it. */
    private static DiskBlockStore openStore(Workspace w) throws IOException {
        try {
            return w.openStore(false);
        } catch (StoreInUseException e) {
            throw new IOException(e.getMessage() + ", which left no 9P address in "
                + addressFile(w) + ": a server started with --9p off takes no control"
                + " commands; give it a 9P address", e);
        }
    }

    private static String viaServer(InetSocketAddress a, Workspace w, String line)
        throws IOException {
        try (NinePClient c = NinePClient.connect(a)) {
            int root = c.newFid();
            c.attach(root, "", 0, w.root().toString());
            int ctl = c.newFid();
            c.walk(root, ctl, java.util.List.of("ctl"));
            c.lopen(ctl, 2); // O_RDWR
            byte[] cmd = (line + "\n").getBytes(StandardCharsets.UTF_8);
            try {
                c.write(ctl, 0, cmd, 0, cmd.length);
            } catch (IOException e) {
                throw new IOException(e.getMessage() + " (from the running server)", e);
            }
            byte[] reply = c.readAll(ctl);
            c.clunk(ctl);
            c.clunk(root);
            return new String(reply, StandardCharsets.UTF_8).strip();
        }
    }

    static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon),
            Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
