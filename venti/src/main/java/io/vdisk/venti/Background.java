package io.vdisk.venti;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Threads for work nobody waits on: flushing journals into the store, committing its index,
 * forcing arenas. They run at the lowest CPU priority (nice 19), so that on a machine with few
 * cores the requests of guests go first and this work takes the time they leave.
 *
 * <p>Java has no call for it and ignores {@link Thread#setPriority} on Linux, where one thread's
 * nice value is {@code setpriority(PRIO_PROCESS, tid)}; {@code renice -p TID} makes that call.
 * Raising one's own nice value needs no privilege. Where there is no {@code /proc/thread-self}
 * or no {@code renice}, the threads keep the normal priority. Linux gives a new thread its
 * creator's nice value, so request work must not start its threads from one of these.
 * {@code -Dvdisk.backgroundNice=N} sets the value; 0 leaves the threads alone, as the launcher
 * does for commands, which serve no guests.
 */
public final class Background {
    /**
     * The logger, made on first use: the first System.getLogger of a process starts SLF4J,
     * whose service lookups open every jar on the class path, 50 ms of a command's start.
     */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(Background.class.getName());
    }
    private static final String NICE = System.getProperty("vdisk.backgroundNice", "19");
    private static final ThreadLocal<Boolean> LOWERED = ThreadLocal.withInitial(() -> false);
    private static volatile boolean unavailable;

    private Background() {
    }

    /** Daemon threads named {@code name} that lower their priority before their first task. */
    public static ThreadFactory threads(String name) {
        return r -> {
            Thread t = new Thread(() -> {
                lowerThisThread();
                r.run();
            }, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Lowers the calling thread's priority; only the first call per thread does anything. */
    public static void lowerThisThread() {
        if (unavailable || LOWERED.get() || NICE.equals("0")) return;
        LOWERED.set(true);
        try {
            // "<pid>/task/<tid>"
            String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName()
                .toString();
            Process p = new ProcessBuilder("renice", "-n", NICE, "-p", tid)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("renice did not finish");
            }
            if (p.exitValue() != 0) throw new IOException("renice exited with " + p.exitValue());
        } catch (IOException | UnsupportedOperationException e) {
            unavailable = true;
            Log.LOG.log(System.Logger.Level.DEBUG, "background threads keep normal priority: {0}",
                e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
