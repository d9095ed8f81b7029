package io.vdisk.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code vdisk serve} process on free ports, for integration tests: started from the
 * packaged jar, stopped with SIGTERM or killed with SIGKILL. Not thread-safe.
 */
public final class ServerProcess implements AutoCloseable {
    private final Path root;
    private final Path log;
    private final Process process;
    private final int ninepPort;
    private final int nbdPort;

    private ServerProcess(Path root, Path log, Process process, int ninepPort, int nbdPort) {
        this.root = root;
        this.log = log;
        this.process = process;
        this.ninepPort = ninepPort;
        this.nbdPort = nbdPort;
    }

    /** The packaged program: {@code java -jar vdisk.jar}. */
    public static List<String> vdisk() {
        return new ArrayList<>(List.of("java", "-jar",
            System.getProperty("vdisk.home", "../src/target") + "/vdisk.jar"));
    }

    /** Starts serving {@code root} and waits until both protocols listen. */
    public static ServerProcess start(Path root) throws Exception {
        return start(root, freePort(), freePort());
    }

    public static ServerProcess start(Path root, int ninepPort, int nbdPort) throws Exception {
        return start(root, ninepPort, nbdPort, List.of());
    }

    /**
     * As {@link #start(Path)}, the program run through {@code wrapper} (a command that execs
     * the rest, such as {@code prlimit --nofile=N --}), so that the process is still the
     * server's.
     */
    public static ServerProcess start(Path root, List<String> wrapper) throws Exception {
        return start(root, freePort(), freePort(), wrapper);
    }

    private static ServerProcess start(Path root, int ninepPort, int nbdPort,
        List<String> wrapper) throws Exception {
        Path log = Files.createTempFile(root.getParent(), "serve", ".log");
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(vdisk());
        cmd.addAll(List.of("serve", "--9p", "127.0.0.1:" + ninepPort, "--nbd",
            "127.0.0.1:" + nbdPort, root.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        ServerProcess s = new ServerProcess(root, log, p, ninepPort, nbdPort);
        for (int i = 0; i < 600; i++) {
            String text = s.log();
            if (text.contains("serving vdisk root")) return s;
            if (!p.isAlive()) throw new AssertionError("vdisk serve exited:\n" + text);
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new AssertionError("vdisk serve did not start:\n" + s.log());
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public Path root() {
        return root;
    }

    public int ninepPort() {
        return ninepPort;
    }

    public int nbdPort() {
        return nbdPort;
    }

    public String nbdUrl(String export) {
        return "nbd://127.0.0.1:" + nbdPort + "/" + export;
    }

    public String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** File descriptors the server holds now. */
    public long descriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc", Long.toString(process.pid()), "fd"))) {
            return fds.count();
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, nothing flushed that was not already durable. */
    public void kill9() throws Exception {
        new ProcessBuilder("kill", "-9", Long.toString(process.pid())).start().waitFor();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, and the exit code. */
    public int stop() throws Exception {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("vdisk serve ignored SIGTERM:\n" + log());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) stop();
    }
}
