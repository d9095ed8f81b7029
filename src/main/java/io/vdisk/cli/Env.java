package io.vdisk.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.function.Supplier;

/**
 * What a command may touch of the outside world, injected so tests can run commands in-process.
 * Immutable, thread-safe.
 *
 * @param zones the time zone, asked for only when a time is shown: finding the system's took
 *     15-20 ms, a tenth of a command's start
 * @param stderrTerminal whether progress bars may be drawn
 * @param cwd the directory relative paths are resolved against
 */
public record Env(PrintStream out, PrintStream err, Clock clock, Supplier<ZoneId> zones,
    boolean stderrTerminal, Path cwd, int threads) {

    public Env(PrintStream out, PrintStream err, Clock clock, ZoneId zone, boolean stderrTerminal,
        Path cwd, int threads) {
        this(out, err, clock, () -> zone, stderrTerminal, cwd, threads);
    }

    public ZoneId zone() {
        return zones.get();
    }

    public Env withCwd(Path dir) {
        return new Env(out, err, clock, zones, stderrTerminal, dir, threads);
    }
}
