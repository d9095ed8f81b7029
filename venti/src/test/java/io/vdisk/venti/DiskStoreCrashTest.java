package io.vdisk.venti;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing child JVM with SIGKILL at random moments, 24 rounds on one store; after each
 * reopen every block of every batch the child reported synced must read back and verify.
 */
class DiskStoreCrashTest {
    @TempDir
    Path tmp;

    @Test
    void syncedBlocksSurviveKill9() throws Exception {
        long master = Long.getLong("seed", System.nanoTime());
        Random rnd = new Random(master);
        Path dir = tmp.resolve("store");
        List<long[]> synced = new ArrayList<>();
        int rounds = 24;
        try {
            for (int round = 0; round < rounds; round++) {
                long seed = rnd.nextLong() & 0xffffffffL;
                Process p = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(),
                    "-cp", System.getProperty("java.class.path"),
                    StoreCrashChild.class.getName(), dir.toString(), Long.toString(seed))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8));
                assertEquals("OPEN", out.readLine(), "child did not open the store");
                Thread.sleep(rnd.nextInt(600));
                // kill(1), not destroyForcibly(): the latter also closes our end of the pipe, losing
                // lines the child printed just before it died.
                new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor();
                p.waitFor(30, TimeUnit.SECONDS);
                String line;
                while ((line = out.readLine()) != null) {
                    String[] f = line.split(" ");
                    if (f[0].equals("SYNCED")) {
                        synced.add(new long[]{Long.parseLong(f[1]), Long.parseLong(f[2])});
                    }
                }
                boolean lastRound = round == rounds - 1;
                try (DiskBlockStore store = DiskBlockStore.open(dir)) {
                    // This round's batches after each crash, every batch after the last one.
                    for (long[] b : synced) {
                        if (!lastRound && b[0] != seed) continue;
                        for (int i = 0; i < StoreCrashChild.PER_BATCH; i++) {
                            byte[] want = StoreCrashChild.block(b[0], (int) b[1], i);
                            Score s = Score.hash(want, 0,
                                ZeroTruncation.truncatedLength(BlockType.DATA, want, 0,
                                    want.length));
                            byte[] got = store.get(s, BlockType.DATA);
                            byte[] full = new byte[want.length];
                            System.arraycopy(got, 0, full, 0, got.length);
                            assertArrayEquals(want, full, "batch " + b[1] + " block " + i);
                        }
                    }
                }
            }
            assertTrue(synced.size() > rounds, "children synced too little to prove anything: "
                + synced.size());
            try (DiskBlockStore store = DiskBlockStore.open(dir)) {
                assertEquals(List.of(), store.verify(null));
                assertTrue(store.arenaCount() > 1, "arenas should have rolled over");
            }
        } catch (Throwable t) {
            throw new AssertionError("failed with -Dseed=" + master + ": " + t, t);
        }
    }
}
