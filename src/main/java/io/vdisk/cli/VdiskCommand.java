package io.vdisk.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The top-level {@code vdisk} command: global options and the list of subcommands. Adding a
 * subcommand is one class plus its line here. Not thread-safe (one per invocation).
 */
@Command(name = "vdisk", mixinStandardHelpOptions = true, version = "vdisk 0.1.0", description = "Writable VM disks stored in a content-addressed store.", subcommands = {
    InitCommand.class, ImportCommand.class, ExportCommand.class,
    CatCommand.class, InfoCommand.class, LogCommand.class, CloneCommand.class,
    VerifyCommand.class, StatsCommand.class, ServeCommand.class, FlushCommand.class,
    SnapshotCommand.class, RollbackCommand.class, PolicyCommand.class})
public final class VdiskCommand implements Runnable {
    @Option(names = "-C", paramLabel = "DIR", description = "Run as if started in DIR (paths and the vdisk root are found from it).")
    Path directory;

    @Option(names = "--store", paramLabel = "DIR", description = "Use the store in DIR instead of the root's .vdisk/store.")
    Path store;

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

    @Override
    public void run() {
        throw new UsageException("missing command (see 'vdisk --help')");
    }
}
