package io.vdisk.app;

import io.vdisk.cli.Env;
import io.vdisk.cli.StoreSource;
import io.vdisk.cli.StoreSource.StoreLease;
import io.vdisk.cli.VdiskCommand;
import io.vdisk.live.Control;
import io.vdisk.venti.DiskBlockStore;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs CLI commands inside {@code vdisk serve} for a CLI that found the store held by it: the
 * store takes one process at a time, and commands that change images must not become a second
 * writer. The other control commands go to {@code delegate}.
 *
 * <p><b>Protocol</b> (one write to {@code /ctl}, then reads on the same fid until end of file):
 *
 * <pre>
 * exec TOKEN TTY CWD ARG...  TTY "t" if the client's stderr is a terminal (progress bars
 *                            are drawn), else "-"; each of CWD and ARG is "b" + base64 of
 *                            its UTF-8 bytes
 * </pre>
 *
 * The token is the content of {@code .vdisk/serve.token}, which only users who can read the
 * root's hidden folder see: 9P never serves it, so a guest cannot make the server read or write
 * host files outside the root. The command then runs with the client's working directory and
 * arguments, and its output comes back as frames:
 *
 * <pre>
 * | size | field                                            |
 * |------|--------------------------------------------------|
 * | 1    | kind: 'o' stdout, 'r' stderr, 'e' the end         |
 * | 4    | length of the payload, big-endian                |
 * | n    | payload; for 'e', "exit N"                       |
 * </pre>
 *
 * Only commands that work on images and the store run this way ({@link #COMMANDS}); the
 * server's own store stands in for the one the command would open. Thread-safe.
 */
public final class ExecControl implements Control {
    private static final Logger LOG = LoggerFactory.getLogger(ExecControl.class);
    public static final String TOKEN_FILE = "serve.token";
    static final Set<String> COMMANDS = Set.of("import", "export", "cat", "info", "log",
        "clone", "verify", "stats");
    private static final int FRAME_HEADER = 5;
    /** Smallest read of a command's output: a header and the longest end, "exit -2147483648". */
    static final int MIN_READ = FRAME_HEADER + 16;
    /** Stdout bytes a command may get ahead of its reader before it waits. */
    private static final int MAX_BUFFERED = 4 << 20;

    private final Control delegate;
    private final Workspace workspace;
    private final DiskBlockStore store;
    private final Env env;
    private final byte[] token;

    private ExecControl(Control delegate, Workspace workspace, DiskBlockStore store, Env env,
        byte[] token) {
        this.delegate = delegate;
        this.workspace = workspace;
        this.store = store;
        this.env = env;
        this.token = token;
    }

    /** Makes a fresh token and writes it, readable by the owner only, to the root's folder. */
    public static ExecControl create(Control delegate, Workspace w, DiskBlockStore store,
        Env env) throws IOException {
        byte[] raw = new byte[16];
        new SecureRandom().nextBytes(raw);
        String hex = HexFormat.of().formatHex(raw);
        Path file = tokenFile(w);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, hex + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.TRUNCATE_EXISTING);
        return new ExecControl(delegate, w, store, env, hex.getBytes(StandardCharsets.US_ASCII));
    }

    public static Path tokenFile(Workspace w) {
        return w.root().resolve(Workspace.HIDDEN).resolve(TOKEN_FILE);
    }

    /** The line a client sends to run {@code args} from {@code cwd}. */
    static String line(String token, boolean terminal, Path cwd, String[] args) {
        StringBuilder b = new StringBuilder("exec ").append(token).append(terminal ? " t " : " - ")
            .append(encode(cwd.toString()));
        for (String a : args)
            b.append(' ').append(encode(a));
        return b.toString();
    }

    private static String encode(String s) {
        return "b" + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String word) {
        if (!word.startsWith("b"))
            throw new IllegalArgumentException("exec: malformed argument");
        try {
            return new String(Base64.getDecoder().decode(word.substring(1)),
                StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("exec: malformed argument");
        }
    }

    @Override
    public String execute(String line) throws IOException {
        if (isExec(line))
            throw new IllegalArgumentException("exec: its output is streamed; write it alone");
        return delegate.execute(line);
    }

    private static boolean isExec(String line) {
        return line.startsWith("exec ") || line.equals("exec");
    }

    @Override
    public Output start(String line) {
        if (!isExec(line)) return null;
        List<String> w = Arrays.asList(line.split(" +"));
        if (w.size() < 5 || !w.get(2).equals("t") && !w.get(2).equals("-"))
            throw new IllegalArgumentException("usage: exec TOKEN t|- CWD COMMAND [ARGS]");
        // a wrong token reveals nothing about the right one through timing
        if (!MessageDigest.isEqual(token, w.get(1).getBytes(StandardCharsets.US_ASCII)))
            throw new IllegalArgumentException("exec: wrong token (see " + TOKEN_FILE + ")");
        boolean terminal = w.get(2).equals("t");
        Path cwd = Path.of(decode(w.get(3)));
        String[] args = w.subList(4, w.size()).stream().map(ExecControl::decode).toArray(
            String[]::new);
        String command = VdiskCommand.commandName(args);
        if (command == null || !COMMANDS.contains(command)) {
            throw new IllegalArgumentException("exec: the server runs only " + String.join(", ",
                COMMANDS.stream().sorted().toList()) + " for the CLI");
        }
        Run run = new Run();
        Env e = new Env(new PrintStream(run.stdout, false, StandardCharsets.UTF_8),
            new ClientStream(run), env.clock(), env.zone(), terminal, cwd, env.threads());
        Thread t = new Thread(() -> {
            int code = Main.FAILURE;
            try {
                code = Main.run(args, e, false, new ServerStores(), false);
            } finally {
                LOG.info("exec {} ended: exit {}", command, code);
                e.out().flush();
                run.finish(code);
            }
        }, "vdisk-exec-" + command);
        t.setDaemon(true);
        t.start();
        return run;
    }

    /** The stderr of a command run for a client, which knows when the client went away. */
    static final class ClientStream extends PrintStream {
        private final Run run;

        private ClientStream(Run run) {
            super(run.stderr, true, StandardCharsets.UTF_8);
            this.run = run;
        }

        boolean abandoned() {
            return run.cancelled();
        }
    }

    /** The server's store for its own root; another root's is opened as the CLI would. */
    private final class ServerStores implements StoreSource {
        @Override
        public StoreLease open(Workspace w) throws IOException {
            // isSameFile: the CLI may name the root through a symbolic link
            if (Files.isDirectory(w.storePath()) && Files.isSameFile(w.storePath(), workspace
                .storePath())) return StoreLease.borrowed(store);
            return StoreSource.OPEN.open(w);
        }

        /**
         * Refuses to replace an image of the served root, open or not: one not open yet may be
         * opened by a client while the import runs, and would then commit over it.
         */
        @Override
        public void beforeReplacing(Path image) throws IOException {
            if (!Files.exists(image)) return; // not served: nothing can have opened it
            // real paths: the CLI may name the image through a symbolic link
            if (image.toRealPath().startsWith(workspace.root().toRealPath())) {
                throw new IOException(image + ": served by the running vdisk serve; import"
                    + " into a new image instead (a guest may be writing to this one)");
            }
        }
    }

    /**
     * One running command: its output as a bounded queue of pieces, each led by its frame kind
     * ('o' or 'r'), then its end.
     */
    private static final class Run implements Output {
        private final ArrayDeque<byte[]> pieces = new ArrayDeque<>(); // guarded by this
        private int buffered; // guarded by this
        private boolean cancelled; // guarded by this
        private byte[] end; // guarded by this; the end frame's payload once finished
        private boolean endSent; // guarded by this
        private byte[] partial; // guarded by this: a piece that did not fit the last read
        private int partialAt; // guarded by this
        final OutputStream stdout = new Piped('o');
        final OutputStream stderr = new Piped('r');

        private final class Piped extends OutputStream {
            private final byte kind;

            Piped(char kind) {
                this.kind = (byte) kind;
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len == 0) return;
                synchronized (Run.this) {
                    while (buffered >= MAX_BUFFERED && !cancelled) {
                        try {
                            Run.this.wait();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new java.io.InterruptedIOException("output interrupted");
                        }
                    }
                    if (cancelled) throw new IOException("the client went away");
                    byte[] piece = new byte[1 + len];
                    piece[0] = kind;
                    System.arraycopy(b, off, piece, 1, len);
                    pieces.addLast(piece);
                    buffered += len;
                    Run.this.notifyAll();
                }
            }
        }

        synchronized void finish(int code) {
            end = ("exit " + code).getBytes(StandardCharsets.UTF_8);
            notifyAll();
        }

        @Override
        public synchronized int read(ByteBuffer dst) throws InterruptedException {
            // room for a header and some output, and always for the end frame ("exit N")
            if (dst.remaining() < MIN_READ)
                throw new IllegalArgumentException("a command's output is read " + MIN_READ
                    + " bytes or more at a time, not " + dst.remaining());
            while (partial == null && pieces.isEmpty() && end == null)
                wait();
            if (partial == null && !pieces.isEmpty()) {
                partial = pieces.pollFirst();
                partialAt = 1;
            }
            if (partial != null) {
                int n = Math.min(partial.length - partialAt, dst.remaining() - FRAME_HEADER);
                dst.put(partial[0]).putInt(n).put(partial, partialAt, n);
                partialAt += n;
                buffered -= n;
                if (partialAt == partial.length) partial = null;
                notifyAll();
                return FRAME_HEADER + n;
            }
            if (endSent) return -1;
            dst.put((byte) 'e').putInt(end.length).put(end);
            endSent = true;
            return FRAME_HEADER + end.length;
        }

        synchronized boolean cancelled() {
            return cancelled;
        }

        @Override
        public synchronized void cancel() {
            cancelled = true;
            pieces.clear();
            buffered = 0;
            notifyAll();
        }
    }
}
