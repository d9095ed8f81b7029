package io.vdisk.it.flusher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flusher inside a real {@code vdisk serve}: CLI commands reach it through the server, the
 * flush interval and a seconds-level cron policy act on their own, a rollback loses nothing, and
 * rewriting stored data adds no blocks.
 */
class ServedHistoryIT {
    private static final Pattern BLOCKS = Pattern.compile("store: (\\d+) blocks");

    @TempDir
    Path tmp;

    @Test
    void policiesSnapshotsRollbackAndDedupThroughTheServer() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Run.vdisk(root, "init");
        byte[] disk = new byte[16 << 20];
        new Random(3).nextBytes(disk);
        Files.write(tmp.resolve("disk.raw"), disk);
        Run.vdisk(root, "import", tmp.resolve("disk.raw").toString(), "vm.vdisk");
        String imported = Files.readString(root.resolve("vm.vdisk")).strip();
        long blocksBefore = blocks(Run.vdisk(root, "stats"));

        try (ServerProcess s = ServerProcess.start(root)) {
            String url = s.nbdUrl("vm.vdisk");
            // With an hour between flushes, crossing the policy's dirty-bytes flushes early.
            Run.vdisk(root, "policy", "vm.vdisk", "--flush-every", "1h", "--dirty-bytes", "1M");
            Run.ok(tmp, "qemu-io", "-f", "raw", "-c", "write -P 0x17 4M 2M", url);
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> !Files.readString(root.resolve("vm.vdisk")).strip()
                    .equals(imported));
            String early = Files.readString(root.resolve("vm.vdisk")).strip();
            // The flush interval (set through the server) commits a write on its own.
            String reply = Run.vdisk(root, "policy", "vm.vdisk", "--flush-every", "1s");
            assertTrue(reply.contains("flush-every=1s"), reply);
            Run.ok(tmp, "qemu-io", "-f", "raw", "-c", "write -P 0x42 0 1M", "-c", "flush", url);
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> !Files.readString(root.resolve("vm.vdisk")).strip()
                    .equals(early));
            // A seconds-level cron takes snapshots while serving.
            Run.vdisk(root, "policy", "vm.vdisk", "--snapshot", "*/2 * * * * ?");
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                .until(() -> snapshotsOver9p(s) >= 2);
            Run.vdisk(root, "policy", "vm.vdisk", "--snapshot", "none");
            // A manual snapshot, then a write, then a rollback to the snapshot.
            Run.vdisk(root, "snapshot", "vm.vdisk", "-m", "after 0x42");
            String before = Files.readString(root.resolve("vm.vdisk")).strip();
            Run.ok(tmp, "qemu-io", "-f", "raw", "-c", "write -P 0x99 0 1M", "-c", "flush", url);
            // flush with no image flushes every image of the root (the 1 s interval may have
            // committed the write already; either way the head is past the snapshot)
            String flushed = Run.vdisk(root, "flush");
            String after = Files.readString(root.resolve("vm.vdisk")).strip();
            assertNotEquals(before, after);
            assertTrue(flushed.contains("flushed vm.vdisk " + after.substring(6)), flushed);
            Run.vdisk(root, "rollback", "vm.vdisk", "@1");
            // A refused command says why in one line, as the server put it, not "RWRITE: i/o
            // error": the client reads the reason the server left on the ctl fid.
            Run.Result refused = Run.vdiskExec(root, "rollback", "vm.vdisk", "@99");
            assertEquals(1, refused.code(), refused.out());
            assertTrue(refused.out().strip().matches(
                "vdisk: @99: the history has only \\d+ versions \\(from the running server\\)"),
                refused.out());
            String out = Run.ok(tmp, "qemu-io", "-f", "raw", "-c", "read -P 0x42 0 1M", url);
            assertTrue(!out.contains("verification failed"), out);
            assertEquals(0, s.stop());
        }
        String log = Run.vdisk(root, "log", "vm.vdisk");
        assertTrue(log.contains("scheduled"), log);
        assertTrue(log.contains("after 0x42"), log);
        assertTrue(log.contains("rollback"), log);
        // Nothing was lost by rolling back: the 0x99 version is still in the history.
        assertTrue(log.lines().anyMatch(l -> l.contains(" flush ") || l.contains(" manual ")),
            log);
        Run.vdisk(root, "verify");

        // Rewriting data the store already holds adds no data blocks.
        long blocksAfterHistory = blocks(Run.vdisk(root, "stats"));
        assertNotEquals(blocksBefore, blocksAfterHistory);
        try (ServerProcess s = ServerProcess.start(root)) {
            // One commit for the whole rewrite: each early flush would add its own root,
            // directory and pointer blocks, as many as the timing of the writes allows.
            Run.vdisk(root, "policy", "vm.vdisk", "--flush-every", "1h", "--dirty-bytes", "1G");
            Run.ok(tmp, "nbdcopy", tmp.resolve("disk.raw").toString(), s.nbdUrl("vm.vdisk"));
            Run.vdisk(root, "flush", "vm.vdisk");
            assertEquals(0, s.stop());
        }
        long blocksAfterRewrite = blocks(Run.vdisk(root, "stats"));
        // Only roots, directories, metadata and pointer blocks may be new.
        assertTrue(blocksAfterRewrite - blocksAfterHistory <= 20,
            "rewrite added " + (blocksAfterRewrite - blocksAfterHistory) + " blocks");
        Run.vdisk(root, "export", "vm.vdisk", tmp.resolve("out.raw").toString());
        Run.ok(tmp, "cmp", "out.raw", "disk.raw");
    }

    /** Counts /.snapshots/YYYY/MMDD/HHMMSS/vm.vdisk entries with diodls, level by level. */
    private int snapshotsOver9p(ServerProcess s) throws Exception {
        int n = 0;
        for (String y : ls(s, ".snapshots")) {
            for (String d : ls(s, ".snapshots/" + y)) {
                for (String t : ls(s, ".snapshots/" + y + "/" + d)) {
                    if (ls(s, ".snapshots/" + y + "/" + d + "/" + t).contains("vm.vdisk")) n++;
                }
            }
        }
        return n;
    }

    private java.util.List<String> ls(ServerProcess s, String dir) throws Exception {
        Run.Result r = Run.exec(tmp, java.util.List.of("diodls", "-s",
            "127.0.0.1:" + s.ninepPort(), "-a", "/", dir));
        return r.code() != 0
            ? java.util.List.of()
            : r.out().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    /**
     * An image with a snapshot every second, which the server opens for each snapshot and
     * closes again when no client uses it, while clients keep connecting, writing, flushing
     * and leaving: every write is in the image afterwards, served and exported, and no commit
     * fails.
     */
    @Test
    void clientsComingAndGoingWhileSnapshotsOpenAndCloseTheImageLoseNothing() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Run.vdisk(root, "init");
        int size = 4 << 20;
        Files.write(tmp.resolve("disk.raw"), new byte[size]);
        Run.vdisk(root, "import", tmp.resolve("disk.raw").toString(), "vm.vdisk");
        Path policies = Files.createDirectories(root.resolve(".vdisk/policies"));
        Files.writeString(policies.resolve("vm.vdisk.policy"),
            "version = 1\nflush-every = 1s\nsnapshot = * * * * * ?\n");
        int writes = 300;
        byte[] expected = new byte[size];
        for (int i = 0; i < writes; i++)
            Arrays.fill(expected, i * 4096, (i + 1) * 4096, (byte) (i % 251 + 1));
        double served;
        long start = System.nanoTime();
        try (ServerProcess s = ServerProcess.start(root)) {
            assertTrue(s.log().contains("1 scheduled for snapshots"), s.log());
            Run.ok(tmp, "/usr/bin/python3", "-c", String.join("\n",
                "import nbd, random, time",
                "for i in range(" + writes + "):",
                "    h = nbd.NBD()",
                "    h.connect_uri('" + s.nbdUrl("vm.vdisk") + "')",
                "    h.pwrite(bytes([i % 251 + 1]) * 4096, i * 4096)",
                "    h.flush()",
                "    h.shutdown()",
                "    time.sleep(random.random() * 0.05)"));
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
                .until(() -> s.log().lines().filter(l -> l.contains("scheduled committed"))
                    .count() >= 5);
            Run.ok(tmp, "nbdcopy", s.nbdUrl("vm.vdisk"), "served.raw");
            assertArrayEquals(expected, Files.readAllBytes(tmp.resolve("served.raw")));
            assertFalse(s.log().contains(" failed"), s.log());
            assertEquals(0, s.stop());
            served = (System.nanoTime() - start) / 1e9;
        }
        Run.vdisk(root, "export", "vm.vdisk", tmp.resolve("exported.raw").toString());
        assertArrayEquals(expected, Files.readAllBytes(tmp.resolve("exported.raw")));
        // Once a second, however often clients opened the image: a cron trigger made anew at
        // each opening fired at once, hundreds of times in the run. Counted against the
        // server's life, not the span of the snapshots' times: a snapshot's time is its
        // commit's, and on a loaded machine two late commits can land in one second. One more
        // for the snapshot due at start (the policy is newer than the import).
        String log = Run.vdisk(root, "log", "vm.vdisk");
        List<LocalDateTime> times = log.lines().map(l -> l.trim().split("\\s+"))
            .filter(w -> w.length > 4 && w[4].equals("scheduled"))
            .map(w -> LocalDateTime.parse(w[2] + "T" + w[3])).sorted().toList();
        assertTrue(times.size() >= 5 && times.size() <= served + 2, times.size()
            + " snapshots in a server's " + served + " s:\n" + log);
    }

    private static long blocks(String stats) {
        Matcher m = BLOCKS.matcher(stats);
        assertTrue(m.find(), stats);
        return Long.parseLong(m.group(1));
    }
}
