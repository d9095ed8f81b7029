package io.vdisk.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing child JVM with SIGKILL at random moments and checks that every byte covered
 * by a flush the child reported reads back exactly after reopening. Bytes touched by writes
 * after the last reported flush (including one that may have been in flight) may hold either
 * value and are not checked. The second test seals and releases often, so most rounds reuse a
 * released log (a spare) and are killed inside seal, release or writes to a recycled file.
 */
class JournalCrashTest {
    private static final int ROUNDS = 50;
    private static final int RECYCLING_ROUNDS = 30;
    private static final int RECYCLING_SEAL_PERCENT = 12;

    @TempDir
    Path tmp;

    @Test
    void flushedWritesSurviveKillMinus9() throws Exception {
        runRounds(0xC0FFEE, ROUNDS, CrashScript.SEAL_PERCENT);
    }

    @Test
    void flushedWritesSurviveKillMinus9WhileRecyclingLogs() throws Exception {
        int recycled = runRounds(0xDECAF, RECYCLING_ROUNDS, RECYCLING_SEAL_PERCENT);
        assertTrue(recycled >= RECYCLING_ROUNDS / 2, "too few rounds reused a spare: " + recycled);
    }

    /** Returns how many rounds completed two seal/release cycles, so a spare was reused. */
    private int runRounds(long masterSeed, int rounds, int sealPercent) throws Exception {
        Random master = new Random(masterSeed);
        int checkedRounds = 0;
        int recycledRounds = 0;
        for (int round = 0; round < rounds; round++) {
            long seed = master.nextLong();
            int killAfterLines = 1 + master.nextInt(200);
            Path root = tmp.resolve("round-" + round);
            Files.createDirectories(root);
            try {
                int[] r = runRound(root, seed, sealPercent, killAfterLines);
                checkedRounds += r[0];
                recycledRounds += r[1] >= 2 ? 1 : 0;
            } catch (Throwable t) {
                throw new AssertionError("crash round " + round + " failed, seed " + seed
                    + ", seal percent " + sealPercent + ", killed after " + killAfterLines
                    + " lines", t);
            }
        }
        assertTrue(checkedRounds >= rounds / 2, "too few rounds reached a flush: " + checkedRounds);
        return recycledRounds;
    }

    /**
     * Returns {1 if the round had a reported flush to check else 0, seal/release cycles the
     * child completed}.
     */
    private int[] runRound(Path root, long seed, int sealPercent, int killAfterLines)
        throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
            CrashChild.class.getName(), root.toString(), Long.toString(seed),
            Integer.toString(sealPercent))
            .redirectError(root.resolve("child.err").toFile()).start();
        int lastFlush = 0;
        int lastWrite = 0;
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(
            new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            int seen = 0;
            boolean killed = false;
            // keep reading after the kill: the pipe still holds lines the child printed
            while ((line = r.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("F ")) {
                    lastFlush = Integer.parseInt(line.substring(2));
                } else if (line.startsWith("W ")) {
                    lastWrite = Integer.parseInt(line.substring(2));
                }
                if (!killed && ++seen >= killAfterLines) {
                    // SIGKILL; via the handle, since Process.destroyForcibly closes our end of the pipe
                    p.toHandle().destroyForcibly();
                    killed = true;
                }
            }
        }
        p.waitFor();
        if (!lines.contains("READY")) {
            fail("child never got ready: " + Files.readString(root.resolve("child.err")));
        }
        // what the image must hold: writes 1..lastFlush; writes after it may or may not be there
        byte[] expected = new byte[CrashScript.SIZE];
        boolean[] unsure = new boolean[CrashScript.SIZE];
        int releases = 0;
        CrashScript completed = new CrashScript(seed, sealPercent);
        // one line per completed op after READY
        for (int i = 0; i < lines.size() - 1; i++) {
            if (completed.next().kind() == CrashScript.Kind.SEAL_COMMIT_RELEASE) {
                releases++;
            }
        }
        CrashScript script = new CrashScript(seed, sealPercent);
        for (int n = 0; n <= lastWrite + 1;) {
            CrashScript.Op op = script.next();
            if (op.kind() != CrashScript.Kind.WRITE && op.kind() != CrashScript.Kind.ZERO) {
                continue;
            }
            n = op.index();
            if (n <= lastFlush) {
                System.arraycopy(op.data(), 0, expected, op.offset(), op.length());
            } else if (n <= lastWrite + 1) {
                Arrays.fill(unsure, op.offset(), op.offset() + op.length(), true);
            }
        }
        int tag = CrashChild.head(root);
        try (Journal j = Journal.open(root.resolve("journal"), CrashChild.loadBase(root, tag),
            "t" + tag, JournalOptions.defaults())) {
            assertEquals(CrashScript.SIZE, j.size());
            byte[] actual = new byte[CrashScript.SIZE];
            j.read(0, ByteBuffer.wrap(actual));
            for (int i = 0; i < actual.length; i++) {
                if (!unsure[i] && actual[i] != expected[i]) {
                    fail("byte " + i + " is " + actual[i] + ", flushed value " + expected[i]
                        + " (last flush covered write " + lastFlush + ", last write "
                        + lastWrite + ", base tag t" + tag + ")");
                }
            }
        }
        Path journal = root.resolve("journal");
        long logs = JournalRecoveryTest.countFiles(journal, "gen-");
        long spares = JournalRecoveryTest.countFiles(journal, "spare-");
        assertTrue(logs >= 1 && logs <= 2, logs + " generation logs after reopen");
        assertTrue(spares <= 1, spares + " spares after reopen");
        deleteTree(root);
        return new int[]{lastFlush > 0 ? 1 : 0, releases};
    }

    private static void deleteTree(Path root) throws Exception {
        try (var s = Files.walk(root)) {
            s.sorted((a, b) -> b.compareTo(a)).map(Path::toFile).forEach(File::delete);
        }
    }
}
