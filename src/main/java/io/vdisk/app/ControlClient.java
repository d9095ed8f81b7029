package io.vdisk.app;

import io.vdisk.cli.Env;
import io.vdisk.cli.StdoutClosedException;
import io.vdisk.flusher.Flusher;
import io.vdisk.journal.JournalOptions;
import io.vdisk.live.Commands;
import io.vdisk.live.LiveImages;
import io.vdisk.ninep.NinePClient;
import io.vdisk.ninep.NinePServer;
import io.vdisk.venti.DiskBlockStore;
import io.vdisk.venti.StoreInUseException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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
            c.attach(root, "", 0, w.root().toRealPath().toString()); // the root, links resolved
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

    /**
     * Runs the CLI command {@code args} inside the server that holds {@code w}'s root (see
     * {@link ExecControl}): its stdout is copied to ours as it comes, its stderr after it ends.
     *
     * @return the command's exit code
     */
    public static int exec(Workspace w, Env env, String[] args) throws IOException {
        Path addr = addressFile(w);
        Path tokenFile = ExecControl.tokenFile(w);
        if (!Files.exists(addr) || !Files.exists(tokenFile)) {
            throw new IOException("the store is held by a running vdisk serve that takes no"
                + " commands (no " + addr.getFileName() + " or " + tokenFile.getFileName()
                + " in " + addr.getParent() + ")");
        }
        InetSocketAddress a = parse(Files.readString(addr, StandardCharsets.UTF_8).strip());
        String token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
        byte[] cmd = ExecControl.line(token, env.stderrTerminal(), env.cwd(), args).getBytes(
            StandardCharsets.UTF_8);
        // a long import sends nothing until it ends: wait as long as the command takes
        try (NinePClient c = NinePClient.connect(a, NinePServer.DEFAULT_MAX_MSIZE,
            Duration.ofDays(7))) {
            int root = c.newFid();
            c.attach(root, "", 0, w.root().toRealPath().toString()); // the root, links resolved
            int ctl = c.newFid();
            c.walk(root, ctl, java.util.List.of("ctl"));
            c.lopen(ctl, 2); // O_RDWR
            try {
                c.write(ctl, 0, cmd, 0, cmd.length);
            } catch (IOException e) {
                throw new IOException(e.getMessage() + " (from the running server)", e);
            }
            try {
                return copyFrames(c, ctl, env);
            } catch (StdoutClosedException e) {
                throw e;
            } catch (IOException e) {
                throw new IOException("the running vdisk serve stopped during the command ("
                    + e.getMessage() + "); what it did is either whole or not there", e);
            }
        }
    }

    /** Reads the command's frames off {@code fid} until its end frame. */
    private static int copyFrames(NinePClient c, int fid, Env env) throws IOException {
        // one Tread at a time: the server hands out a command's output strictly in order
        byte[] buf = new byte[Math.min(64 << 10, c.msize() - 4096)];
        java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
        long offset = 0;
        while (true) {
            int n = c.read(fid, offset, buf, 0, buf.length);
            if (n <= 0)
                throw new IOException("the running server ended the command's output early");
            offset += n;
            pending.write(buf, 0, n);
            byte[] p = pending.toByteArray();
            int at = 0;
            while (p.length - at >= 5) {
                int len = java.nio.ByteBuffer.wrap(p, at + 1, 4).getInt();
                if (len < 0 || p.length - at - 5 < len) break;
                if (p[at] == 'o') {
                    env.out().write(p, at + 5, len);
                    // our reader went away: closing the connection cancels the command
                    if (env.out().checkError())
                        throw new StdoutClosedException();
                } else if (p[at] == 'r') {
                    env.out().flush(); // what came before this message shows before it
                    env.err().write(p, at + 5, len);
                    env.err().flush();
                } else if (p[at] == 'e') {
                    env.out().flush();
                    String status = new String(p, at + 5, len, StandardCharsets.UTF_8);
                    if (!status.matches("exit \\d+"))
                        throw new IOException("the running server sent a bad end: " + status);
                    return Integer.parseInt(status.substring(5));
                } else {
                    throw new IOException("the running server sent a bad frame");
                }
                at += 5 + len;
            }
            pending.reset();
            pending.write(p, at, p.length - at);
        }
    }

    static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon),
            Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
