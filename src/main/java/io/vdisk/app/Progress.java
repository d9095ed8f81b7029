package io.vdisk.app;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal and at most five times
 * a second. Thread-safe (updates are synchronized; they are rare).
 *
 * <p>For a command run inside {@code vdisk serve} ({@link ExecControl}) it also notices, at most
 * five times a second, when the CLI went away (Ctrl-C): {@link #update} then throws, and the
 * long command it reports on stops, as a program writing to a closed pipe would on SIGPIPE.
 */
public final class Progress implements AutoCloseable {
    private final PrintStream err;
    private final String label;
    private final long total;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long lastCheck = start;
    private boolean drawn;

    public Progress(PrintStream err, boolean enabled, String label, long total) {
        this.err = err;
        this.enabled = enabled;
        this.label = label;
        this.total = Math.max(1, total);
    }

    /** @throws UncheckedIOException when no one waits for the command any more */
    public synchronized void update(long done) {
        long now = System.nanoTime();
        if (now - lastCheck >= 200_000_000L) {
            lastCheck = now;
            if (err instanceof ExecControl.ClientStream c && c.abandoned())
                throw new UncheckedIOException(new IOException(
                    "the command's client went away"));
        }
        if (!enabled)
            return;
        if (now - lastDraw < 200_000_000L && done < total)
            return;
        lastDraw = now;
        int pct = (int) Math.min(100, done * 100 / total);
        int width = 30;
        int fill = pct * width / 100;
        double secs = Math.max(1e-3, (now - start) / 1e9);
        err.printf("\r%s [%s%s] %3d%% %6.1f MiB/s", label, "#".repeat(fill), " ".repeat(width
            - fill), pct, done / secs / (1 << 20));
        err.flush();
        drawn = true;
    }

    /** Clears the line. Idempotent. */
    @Override
    public synchronized void close() {
        if (drawn) {
            err.print("\r" + " ".repeat(label.length() + 56) + "\r");
            err.flush();
            drawn = false;
        }
    }
}
