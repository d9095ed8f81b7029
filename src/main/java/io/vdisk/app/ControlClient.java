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
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
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
            int ctl = sendToCtl(c, w, line + "\n");
            byte[] reply = c.readAll(ctl);
            return new String(reply, StandardCharsets.UTF_8).strip();
        }
    }

    /**
     * Attaches to {@code w}'s root (named with links resolved, which the server accepts) and
     * writes {@code text} to a fid open on {@code /ctl}, where the reply is then read.
     *
     * @return that fid
     */
    private static int sendToCtl(NinePClient c, Workspace w, String text) throws IOException {
        int root = c.newFid();
        c.attach(root, "", 0, w.root().toRealPath().toString());
        int ctl = c.newFid();
        c.walk(root, ctl, java.util.List.of("ctl"));
        c.lopen(ctl, 2); // O_RDWR
        byte[] cmd = text.getBytes(StandardCharsets.UTF_8);
        try {
            c.write(ctl, 0, cmd, 0, cmd.length);
        } catch (IOException e) {
            // the errno says little ("i/o error"); the fid's reply says what failed
            String why = e.getMessage();
            try {
                String reply = new String(c.readAll(ctl), StandardCharsets.UTF_8).strip();
                if (reply.startsWith("error: ")) why = reply.substring("error: ".length());
            } catch (IOException unread) {
                e.addSuppressed(unread);
            }
            throw new IOException(why + " (from the running server)", e);
        }
        return ctl;
    }

    /**
     * Runs the CLI command {@code args} inside the server that holds {@code w}'s root (see
     * {@link ExecControl}): its stdout and stderr are copied to ours as they come.
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
        String line = ExecControl.line(token, env.stderrTerminal(), env.cwd(), args);
        // a long import sends nothing until it ends: wait as long as the command takes
        try (NinePClient c = NinePClient.connect(a, NinePServer.DEFAULT_MAX_MSIZE,
            Duration.ofDays(7))) {
            int ctl = sendToCtl(c, w, line);
            try {
                return copyFrames(new DataInputStream(new BufferedInputStream(
                    new FidStream(c, ctl), FidStream.READ_SIZE)), env);
            } catch (StdoutClosedException e) {
                throw e;
            } catch (IOException e) {
                throw new IOException("the running vdisk serve stopped during the command ("
                    + e.getMessage() + "); what it did is either whole or not there", e);
            }
        }
    }

    /** Copies the command's frames (see {@link ExecControl}) to our stdout and stderr. */
    private static int copyFrames(DataInputStream in, Env env) throws IOException {
        byte[] payload = new byte[FidStream.READ_SIZE];
        while (true) {
            int kind = in.read();
            if (kind < 0)
                throw new EOFException("the server ended the command's output early");
            int len = in.readInt();
            if (len < 0 || len > payload.length)
                throw new IOException("the server sent a frame of " + len + " bytes");
            in.readFully(payload, 0, len);
            switch (kind) {
                case 'o' -> {
                    env.out().write(payload, 0, len);
                    // our reader went away: closing the connection cancels the command
                    if (env.out().checkError())
                        throw new StdoutClosedException();
                }
                case 'r' -> {
                    env.out().flush(); // what came before this message shows before it
                    env.err().write(payload, 0, len);
                    env.err().flush();
                }
                case 'e' -> {
                    env.out().flush();
                    String status = new String(payload, 0, len, StandardCharsets.UTF_8);
                    if (!status.matches("exit \\d+"))
                        throw new IOException("the server sent a bad end frame: " + status);
                    return Integer.parseInt(status.substring(5));
                }
                default -> throw new IOException("the server sent a frame of unknown kind "
                    + kind);
            }
        }
    }

    /**
     * A fid read from start to end, one Tread at a time: the server hands out a command's output
     * strictly in order, so the client's parallel reads of a long span would be refused.
     */
    private static final class FidStream extends InputStream {
        /** The most one read asks for; the server's frames never exceed one read. */
        static final int READ_SIZE = 64 << 10;
        private final NinePClient c;
        private final int fid;
        private long offset;

        FidStream(NinePClient c, int fid) {
            this.c = c;
            this.fid = fid;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            // within one message, so that NinePClient sends a single Tread
            int n = c.read(fid, offset, b, off, Math.min(len, Math.min(READ_SIZE, c.msize()
                - 64)));
            if (n <= 0) return -1;
            offset += n;
            return n;
        }
    }

    static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon),
            Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
