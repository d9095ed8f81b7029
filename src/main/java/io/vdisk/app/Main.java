package io.vdisk.app;

import io.vdisk.cli.Env;
import io.vdisk.cli.NotYetCommand;
import io.vdisk.cli.PlainArgs;
import io.vdisk.cli.ServerHoldsRootException;
import io.vdisk.cli.StdoutClosedException;
import io.vdisk.cli.StoreSource;
import io.vdisk.cli.UsageException;
import io.vdisk.cli.VdiskCommand;
import io.vdisk.venti.Preload;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Entry point of the {@code vdisk} command: wires the environment, runs picocli, and turns every
 * failure into one line on stderr with exit code 1 (2 for usage errors). Stack traces only with
 * {@code VDISK_DEBUG=1}. Not thread-safe (one run per process).
 */
public final class Main {
    public static final int OK = 0, FAILURE = 1, USAGE = 2;
    private static final String NETTY_CACHED_CAPACITY = "io.netty.allocator.maxCachedBufferCapacity";

    private Main() {
    }

    public static void main(String[] args) {
        // Log lines are for the server; other commands print only errors on stderr.
        if (!java.util.Arrays.asList(args).contains("serve")) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        // NBD read replies are pooled direct buffers of up to 32 MiB + 28 bytes. Netty's
        // per-thread cache keeps only those up to 32 KiB by default, so each 256 KiB reply went
        // back to the arena, whose emptied 4 MiB chunks were freed and allocated (and zeroed)
        // again: 2-3.5% of a warm nbdcopy read's CPU. Caching replies up to 1 MiB stops that.
        if (System.getProperty(NETTY_CACHED_CAPACITY) == null)
            System.setProperty(NETTY_CACHED_CAPACITY, Integer.toString(1 << 20));
        Env env = new Env(System.out, System.err, Clock.systemUTC(), ZoneId::systemDefault,
            stderrIsTerminal(), Path.of("").toAbsolutePath(), Runtime.getRuntime()
                .availableProcessors());
        preloadStore();
        int code = run(args, env, "1".equals(System.getenv("VDISK_DEBUG")));
        System.out.flush();
        System.exit(code);
    }

    /** Most commands open a store. What that needs loads on another core meanwhile. */
    private static void preloadStore() {
        Thread t = new Thread(() -> {
            try {
                Preload.store();
            } catch (RuntimeException | LinkageError e) {
                // only a head start: the store loads what it needs when it opens
            }
        }, "vdisk-preload");
        t.setDaemon(true);
        t.start();
    }

    /** Runs one command line; returns the exit code. */
    public static int run(String[] args, Env env, boolean debug) {
        return run(args, env, debug, StoreSource.OPEN, true);
    }

    /**
     * Runs one command line with its stores from {@code stores}; returns the exit code. With
     * {@code forward}, a command whose root a running server holds is run by that server.
     */
    public static int run(String[] args, Env env, boolean debug, StoreSource stores,
        boolean forward) {
        Callable<Integer> plain = PlainArgs.parse(new VdiskCommand(env, stores), args);
        if (plain != null) {
            try {
                Integer code = plain.call();
                return code == null ? OK : code;
            } catch (Exception ex) {
                return failed(ex, args, env, debug, forward);
            }
        }
        // help and mistakes: picocli parses them and words the messages
        CommandLine cl = new CommandLine(new VdiskCommand(env, stores));
        for (Class<?> c : VdiskCommand.SUBCOMMANDS.values())
            cl.addSubcommand(c);
        // every usage error says "see 'vdisk CMD --help'", so every command takes --help
        for (CommandLine sub : cl.getSubcommands().values())
            sub.getCommandSpec().mixinStandardHelpOptions(true);
        for (String name : NotYetCommand.NAMES)
            cl.addSubcommand(name, new NotYetCommand(name, env));
        cl.setOut(new PrintWriter(env.out(), true));
        cl.setErr(new PrintWriter(env.err(), true));
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            env.err().println("vdisk: " + ex.getMessage() + " (see '" + c.getCommandSpec()
                .qualifiedName() + " --help')");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> failed(ex, args, env, debug,
            forward));
        return cl.execute(args);
    }

    /** The exit code of a command that threw {@code ex}, having said why on stderr. */
    private static int failed(Exception ex, String[] args, Env env, boolean debug,
        boolean forward) {
        if (debug)
            ex.printStackTrace(env.err());
        if (ex instanceof StdoutClosedException)
            return FAILURE;
        if (forward && ex instanceof ServerHoldsRootException h) {
            try {
                return ControlClient.exec(h.workspace(), env, args);
            } catch (StdoutClosedException e) {
                return FAILURE;
            } catch (IOException | RuntimeException e) {
                if (debug)
                    e.printStackTrace(env.err());
                env.err().println("vdisk: " + message(e));
                return FAILURE;
            }
        }
        if (ex instanceof UsageException) {
            env.err().println("vdisk: " + ex.getMessage());
            return USAGE;
        }
        env.err().println("vdisk: " + message(ex));
        return FAILURE;
    }

    /** One line for a failure: what and where, never a class name unless nothing else is known. */
    static String message(Throwable ex) {
        if (ex instanceof NoSuchFileException e)
            return e.getFile() + ": " + (e.getReason() != null ? e.getReason() : "no such file");
        if (ex instanceof AccessDeniedException e)
            return e.getFile() + ": permission denied";
        if (ex instanceof FileAlreadyExistsException e)
            return e.getFile() + ": already exists";
        if (ex instanceof IOException && ex.getMessage() != null)
            return ex.getMessage().replace('\n', ' ');
        if (ex instanceof OutOfMemoryError)
            return "out of memory (set VDISK_JAVA_OPTS=-Xmx...)";
        String m = ex.getMessage();
        return "internal error: " + ex.getClass().getSimpleName() + (m == null
            ? ""
            : ": " + m
                .replace('\n', ' '))
            + " (VDISK_DEBUG=1 shows the stack trace)";
    }

    /** Linux: fd 2 links to a tty or pty when stderr is a terminal. */
    static boolean stderrIsTerminal() {
        try {
            String t = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return t.startsWith("/dev/pts/") || t.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

}
