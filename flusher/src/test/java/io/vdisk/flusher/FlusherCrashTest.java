package io.vdisk.flusher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vdisk.journal.JournalOptions;
import io.vdisk.venti.DiskBlockStore;
import io.vdisk.venti.Score;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a committing child JVM with {@code kill -9} at each step of the commit protocol and at
 * random moments, then restarts the way the server does (store recovery, journal recovery with
 * the pointer file's score as tag, a flush to finish any pending generation) and checks that
 * every byte the child had flushed reads back and that the pointer file names a complete tree.
 */
class FlusherCrashTest {
    private static final int RANDOM_ROUNDS = 8;

    @TempDir
    Path tmp;

    @Test
    void everyFlushedWriteSurvivesKillMinus9AtEveryStep() throws Exception {
        Random master = new Random(0x5EED);
        int round = 0;
        for (CrashHook.Step step : CrashHook.Step.values()) {
            for (int nth = 1; nth <= 2; nth++) {
                runRound(round++, master.nextLong(), step.name(), nth, 0);
            }
        }
        for (int i = 0; i < RANDOM_ROUNDS; i++) {
            runRound(round++, master.nextLong(), "random", 0, 2 + master.nextInt(40));
        }
        assertTrue(round >= 15);
    }

    private void runRound(int round, long seed, String step, int nth, int killAfterFlushes)
        throws Exception {
        Path dir = tmp.resolve("round-" + round);
        Files.createDirectories(dir);
        String what = "round " + round + " (seed " + seed + ", " + step
            + (nth > 0 ? " #" + nth : " after " + killAfterFlushes + " flushes") + ")";
        try {
            int lastFlushed = crashChild(dir, seed, step, nth, killAfterFlushes);
            // killed before the rename, the generation is still sealed on the old score and
            // recovery keeps it; after the rename its tag no longer matches and it is dropped
            Boolean pending = nth == 0
                ? null
                : CrashHook.Step.valueOf(step)
                    .compareTo(CrashHook.Step.AFTER_RENAME) < 0;
            check(dir, seed, lastFlushed, pending);
        } catch (Throwable t) {
            throw new AssertionError(what + " failed; child stderr: "
                + Files.readString(dir.resolve("child.err")), t);
        }
    }

    /** Runs the child until the kill; returns the last write it reported durable. */
    private int crashChild(Path dir, long seed, String step, int nth, int killAfterFlushes)
        throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
            CrashChild.class.getName(), dir.toString(), Long.toString(seed), step,
            Integer.toString(nth)).redirectError(dir.resolve("child.err").toFile()).start();
        int lastFlushed = 0;
        int flushes = 0;
        boolean killed = false;
        boolean reachedStep = false;
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            // read on after the kill: the pipe may still hold lines
            while ((line = r.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("F ")) {
                    lastFlushed = Integer.parseInt(line.substring(2));
                    flushes++;
                }
                if (line.startsWith("AT ")) {
                    reachedStep = true;
                }
                if (!killed && (reachedStep || killAfterFlushes > 0
                    && flushes >= killAfterFlushes)) {
                    kill9(p.pid());
                    killed = true;
                }
            }
        }
        p.waitFor();
        if (!killed) {
            fail("child ended before it was killed: " + lines);
        }
        assertEquals(137, p.exitValue(), "exit status of a SIGKILLed process");
        return lastFlushed;
    }

    /** SIGKILL through kill(1): Process.destroyForcibly would also close our end of the pipe. */
    private static void kill9(long pid) throws Exception {
        int rc = new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start()
            .waitFor();
        assertEquals(0, rc, "kill -9 " + pid);
    }

    private void check(Path dir, long seed, int lastFlushed, Boolean pending) throws Exception {
        assertTrue(lastFlushed > 0, "the child reported no flush");
        byte[] expected = new byte[(int) CrashWorkload.SIZE];
        boolean[] unsure = new boolean[expected.length];
        CrashWorkload w = new CrashWorkload(seed);
        for (int n = 1; n <= lastFlushed + CrashWorkload.BATCH; n++) {
            CrashWorkload.Op op = w.next();
            int from = (int) op.offset();
            if (n <= lastFlushed) {
                System.arraycopy(op.data(), 0, expected, from, op.data().length);
            } else {
                Arrays.fill(unsure, from, from + op.data().length, true);
            }
        }
        DiskBlockStore store = DiskBlockStore.open(dir.resolve("store"),
            DiskBlockStore.Options.defaults().withMaxArenaSize(16 << 20));
        try (TestImage img = TestImage.open(dir, store, JournalOptions.defaults())) {
            Score named = img.head();
            img.verifyAll(named); // the pointer names a complete tree, history included
            if (pending != null) {
                assertEquals(pending, img.journal().pendingGeneration().isPresent(),
                    "a sealed generation pending after recovery");
            }
            compare(expected, unsure, img.readAll(), "journal over " + named);
            Score head = new Flusher(Clock.systemUTC(), ZoneOffset.UTC).flush(img);
            assertTrue(img.journal().pendingGeneration().isEmpty());
            assertEquals(0, img.journal().dirtyBytes());
            img.verifyAll(head);
            compare(expected, unsure, img.readRoot(head), "committed root " + head);
            assertTrue(store.verify(n -> {
            }).isEmpty(), "store verifies");
        }
    }

    private static void compare(byte[] expected, boolean[] unsure, byte[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": size");
        for (int i = 0; i < actual.length; i++) {
            if (!unsure[i] && actual[i] != expected[i]) {
                fail(what + ": byte " + i + " is " + actual[i] + ", flushed " + expected[i]);
            }
        }
    }
}
