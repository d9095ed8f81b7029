package io.vdisk.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;

/**
 * What a command may touch of the outside world, injected so tests can run commands in-process.
 * Immutable, thread-safe.
 *
 * @param stderrTerminal whether progress bars may be drawn
 * @param cwd the directory relative paths are resolved against
 */
public record Env(PrintStream out, PrintStream err, Clock clock, ZoneId zone,
    boolean stderrTerminal, Path cwd, int threads) {

    public Env withCwd(Path dir) {
        return new Env(out, err, clock, zone, stderrTerminal, dir, threads);
    }
}
