package io.vdisk.cli;

import io.vdisk.app.Workspace;
import io.vdisk.venti.StoreInUseException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vdisk init [DIR]}: makes DIR (default: the current directory) a vdisk root. */
@Command(name = "init", description = "Create a vdisk root (DIR/.vdisk/ with an empty store).")
final class InitCommand extends CommandBase {
    @Parameters(arity = "0..1", paramLabel = "DIR")
    String dir;

    @Override
    public Integer call() throws Exception {
        Path d = dir == null ? env().cwd() : path(dir);
        Workspace w;
        try {
            w = Workspace.init(d, parent.storeOverride());
        } catch (StoreInUseException e) {
            // a root already, and served: nothing to create, as for any existing root
            env().out().println("vdisk root " + d.toAbsolutePath().normalize()
                + " exists already (its store is in use: " + e.getMessage() + ")");
            return 0;
        }
        env().out()
            .println("initialized vdisk root " + w.root() + " (store " + w.storePath() + ")");
        return 0;
    }
}
