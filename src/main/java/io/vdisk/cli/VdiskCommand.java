package io.vdisk.cli;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The top-level {@code vdisk} command: global options and the list of subcommands. Adding a
 * subcommand is one class plus its line in {@link #SUBCOMMANDS}. Not thread-safe (one per
 * invocation).
 */
@Command(name = "vdisk", mixinStandardHelpOptions = true, version = "vdisk 0.1.0", description = "Writable VM disks stored in a content-addressed store.")
public final class VdiskCommand implements Runnable {
    @Option(names = "-C", paramLabel = "DIR", description = "Run as if started in DIR (paths and the vdisk root are found from it).")
    Path directory;

    @Option(names = "--store", paramLabel = "DIR", description = "Use the store in DIR instead of the root's .vdisk/store.")
    Path store;

    /**
     * Name to class, in the order help lists them; each name is its class's {@code @Command}
     * name. {@link PlainArgs} finds a command here without asking picocli.
     */
    public static final Map<String, Class<?>> SUBCOMMANDS = subcommands(InitCommand.class,
        "init", ImportCommand.class, "import", ExportCommand.class, "export", CatCommand.class,
        "cat", InfoCommand.class, "info", LogCommand.class, "log", CloneCommand.class, "clone",
        VerifyCommand.class, "verify", StatsCommand.class, "stats", ServeCommand.class, "serve",
        FlushCommand.class, "flush", SnapshotCommand.class, "snapshot", RollbackCommand.class,
        "rollback", PolicyCommand.class, "policy");

    private final Env env;
    private final StoreSource stores;

    public VdiskCommand(Env env) {
        this(env, StoreSource.OPEN);
    }

    public VdiskCommand(Env env, StoreSource stores) {
        this.env = env;
        this.stores = stores;
    }

    public StoreSource stores() {
        return stores;
    }

    /** The environment with -C applied. */
    public Env env() {
        return directory == null ? env : env.withCwd(env.cwd().resolve(directory).normalize());
    }

    public Path storeOverride() {
        return store == null ? null : env().cwd().resolve(store);
    }

    /**
     * The first word of {@code args} after the global options -C and --store, or null when
     * another option comes first or there is none.
     */
    public static String commandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-C") || a.equals("--store")) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            } else if (!a.startsWith("-C") && !a.startsWith("--store=")) {
                return null;
            }
        }
        return null;
    }

    private static Map<String, Class<?>> subcommands(Object... classAndName) {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        for (int i = 0; i < classAndName.length; i += 2)
            m.put((String) classAndName[i + 1], (Class<?>) classAndName[i]);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public void run() {
        throw new UsageException("missing command (see 'vdisk --help')");
    }
}
