package io.vdisk.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * A command of the documented CLI whose implementation has not landed yet: fails with a clear
 * message and exit code 1. Replacing one means adding its class to {@link VdiskCommand} and
 * dropping its name from {@link #NAMES}. Not thread-safe.
 */
@Command(description = "Not yet available.")
public final class NotYetCommand implements Callable<Integer> {
    /** Documented commands still missing. */
    public static final List<String> NAMES = List.of();

    private final String name;
    private final Env env;

    @Parameters(arity = "0..*", hidden = true)
    List<String> ignored;

    public NotYetCommand(String name, Env env) {
        this.name = name;
        this.env = env;
    }

    @Override
    public Integer call() {
        env.err().println("vdisk: '" + name + "' is not yet available in this build");
        return 1;
    }
}
