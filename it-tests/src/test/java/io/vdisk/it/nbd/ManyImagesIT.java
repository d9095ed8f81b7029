package io.vdisk.it.nbd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A root with more images than the server may open files: {@code vdisk serve} under a limit of
 * 1,024 descriptors serves 1,501 images, lists them with their sizes over NBD (libnbd's nbdsh) and 9P
 * (diodls), keeps a kill -9 from losing a flushed write to one of them, and flushes them all. Opening every image's journal at start took two descriptors per
 * image, and such a server did not start.
 */
class ManyImagesIT {
    private static final int IMAGES = 1500;
    private static final int SIZE = 1 << 20;
    private static final List<String> FEW_FILES = List.of("prlimit", "--nofile=1024:1024", "--");

    @TempDir
    Path tmp;

    @Test
    void idleImagesCostNoDescriptors() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Run.vdisk(root, "init");
        byte[] disk = new byte[SIZE];
        new Random(5).nextBytes(disk);
        Files.write(tmp.resolve("disk.raw"), disk);
        Run.vdisk(root, "import", tmp.resolve("disk.raw").toString(), "base.vdisk");
        // What `vdisk clone` writes, without 1,500 JVM starts: the same one-line pointer.
        String pointer = Files.readString(root.resolve("base.vdisk"), StandardCharsets.UTF_8);
        String baseScore = pointer.trim().substring("vdisk:".length());
        for (int i = 0; i < IMAGES; i++)
            Files.writeString(root.resolve(String.format("img%04d.vdisk", i)), pointer);

        byte[] expected = disk.clone();
        Arrays.fill(expected, 64 << 10, 128 << 10, (byte) 0x5a);
        try (ServerProcess s = ServerProcess.start(root, FEW_FILES)) {
            assertFalse(s.log().contains("cannot open"), s.log());
            assertTrue(s.log().contains("0 of 1501 images opened at start"), s.log());
            // Both listings ask every image's size: libnbd lists the exports and asks each
            // one's info, diodls stats each file. Neither may open a journal. (Not nbdinfo
            // --list: Debian's libnbd 1.14 corks its LIST_META_CONTEXT, 0.2 s per export.)
            String sizes = Run.ok(tmp, "env", "PATH=/usr/bin:/bin", "nbdsh", "--opt-mode", "-u",
                "nbd://127.0.0.1:" + s.nbdPort(), "-c", String.join("\n",
                    "names = []",
                    "h.opt_list(lambda name, description: names.append(name))",
                    "total = 0",
                    "for name in names:",
                    "    h.set_export_name(name)",
                    "    h.opt_info()",
                    "    total += h.get_size()",
                    "print(len(names), total)"));
            assertEquals((IMAGES + 1) + " " + (long) (IMAGES + 1) * SIZE, sizes.trim());
            String ls = Run.ok(tmp, "diodls", "-l", "-s", "127.0.0.1:" + s.ninepPort(), "-a",
                "/", "/");
            String image = ".*\\s" + SIZE + " .*img\\d{4}\\.vdisk";
            long listed = ls.lines().filter(l -> l.matches(image)).count();
            assertEquals(IMAGES, listed, ls);
            Run.ok(tmp, "qemu-io", "-f", "raw", "-c", "write -P 0x5a 64k 64k", "-c", "flush",
                s.nbdUrl("img0042.vdisk"));
            assertEquals(Integer.toString(SIZE), Run.ok(tmp, "nbdinfo", "--size",
                s.nbdUrl("img1499.vdisk")).trim());
            // an image with a snapshot schedule is scheduled from the start, but not opened
            Run.vdisk(root, "policy", "img0100.vdisk", "--snapshot", "0 0 0 * * ?");
            s.kill9();
        }

        try (ServerProcess s = ServerProcess.start(root, FEW_FILES)) {
            assertTrue(s.log().contains("1 of 1501 images opened at start (writes to recover),"
                + " 1 scheduled for snapshots"),
                "the journal holding the flushed write, and the image taking snapshots:\n"
                    + s.log());
            Run.ok(tmp, "nbdcopy", s.nbdUrl("img0042.vdisk"), "out.raw");
            assertArrayEquals(expected, Files.readAllBytes(tmp.resolve("out.raw")));

            // through the running server, which opens only what has writes to flush
            String[] lines = Run.vdisk(root, "flush").trim().split("\n");
            assertEquals(IMAGES + 1, lines.length);
            for (String line : lines) {
                String[] w = line.split(" ");
                assertEquals("flushed", w[0], line);
                if (w[1].equals("img0042.vdisk")) assertNotEquals(baseScore, w[2], line);
                else
                    assertEquals(baseScore, w[2], line);
            }
            assertFalse(s.log().contains("Too many open files"), s.log());
            assertEquals(0, s.stop());
        }
        Run.vdisk(root, "export", "img0042.vdisk", tmp.resolve("exported.raw").toString());
        assertArrayEquals(expected, Files.readAllBytes(tmp.resolve("exported.raw")));
    }

    /**
     * Images that take snapshots are open only while they take one, under a limit of 1,024
     * descriptors: 1,200 images whose one snapshot fell due while the server was down, all
     * taken at its start, and 5 with one every 2 seconds. Opening them all at start, as the
     * server did for any image with a snapshot schedule, would take 2,410 descriptors; so
     * would keeping each open after its snapshot until its next flush, 30 s later.
     */
    @Test
    void imagesTakingSnapshotsOpenOnlyToTakeThem() throws Exception {
        int missed = 1200;
        int fast = 5;
        Path root = Files.createDirectories(tmp.resolve("root"));
        String pointer = zeroBase(root);
        Path policies = Files.createDirectories(root.resolve(".vdisk/policies"));
        // due once, 2 s after the import, in the server's (this machine's) time zone
        LocalDateTime due = LocalDateTime.now().plusSeconds(2);
        String once = DateTimeFormatter.ofPattern("s m H d M '?' yyyy").format(due);
        for (int i = 0; i < missed + fast; i++) {
            String name = String.format("img%04d.vdisk", i);
            Files.writeString(root.resolve(name), pointer);
            // what `vdisk policy NAME --snapshot CRON` writes, without 1,205 JVM starts
            String cron = i < missed ? once : "*/2 * * * * ?";
            Files.writeString(policies.resolve(name + ".policy"),
                "version = 1\nsnapshot = " + cron + "\n");
        }
        while (LocalDateTime.now().isBefore(due.plusSeconds(1)))
            Thread.sleep(100);
        try (ServerProcess s = ServerProcess.start(root, FEW_FILES)) {
            assertTrue(s.log().contains("0 of 1206 images opened at start (writes to recover), "
                + (missed + fast) + " scheduled for snapshots"), s.log());
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    String log = s.log();
                    return IntStream.range(0, missed + fast).allMatch(i -> snapshots(log,
                        String.format("img%04d.vdisk", i)) >= (i < missed ? 1 : 2));
                });
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100))
                .until(() -> s.descriptors() < 200);
            assertFalse(s.log().contains("Too many open files"), s.log());
            assertFalse(s.log().contains("SCHEDULED failed"), s.log());
            assertEquals(0, s.stop());
        }
        String log = Run.vdisk(root, "log", String.format("img%04d.vdisk", missed));
        assertTrue(log.lines().filter(l -> l.contains("scheduled")).count() >= 2, log);
        log = Run.vdisk(root, "log", "img0000.vdisk");
        assertEquals(1, log.lines().filter(l -> l.contains("scheduled")).count(), log);
    }

    /** Makes {@code root} a vdisk root holding base.vdisk, a zero disk; returns its line. */
    private String zeroBase(Path root) throws Exception {
        Run.vdisk(root, "init");
        Files.write(tmp.resolve("disk.raw"), new byte[SIZE]);
        Run.vdisk(root, "import", tmp.resolve("disk.raw").toString(), "base.vdisk");
        return Files.readString(root.resolve("base.vdisk"), StandardCharsets.UTF_8);
    }

    private static long snapshots(String log, String image) {
        return log.lines().filter(l -> l.contains(image + ": scheduled committed")).count();
    }

    /**
     * Written images close once idle: 1,200 images written and flushed through libnbd, 400 at
     * a time, by a server allowed 1,024 descriptors. Each image flushes every second, and is
     * closed once a flush finds nothing more to commit; kept open, the second batch would
     * already have needed 1,600 descriptors.
     */
    @Test
    void writtenImagesCloseOnceIdle() throws Exception {
        int images = 1200;
        Path root = Files.createDirectories(tmp.resolve("root"));
        String pointer = zeroBase(root);
        String baseScore = pointer.trim().substring("vdisk:".length());
        Path policies = Files.createDirectories(root.resolve(".vdisk/policies"));
        for (int i = 0; i < images; i++) {
            String name = String.format("img%04d.vdisk", i);
            Files.writeString(root.resolve(name), pointer);
            // what `vdisk policy NAME --flush-every 1s` writes, without 1,200 JVM starts
            Files.writeString(policies.resolve(name + ".policy"),
                "version = 1\nflush-every = 1s\n");
        }
        try (ServerProcess s = ServerProcess.start(root, FEW_FILES)) {
            assertTrue(s.log().contains("0 of 1201 images opened at start"), s.log());
            for (int from = 0; from < images; from += 400) {
                Run.ok(tmp, "/usr/bin/python3", "-c", String.join("\n",
                    "import nbd",
                    "for i in range(" + from + ", " + (from + 400) + "):",
                    "    h = nbd.NBD()",
                    "    h.connect_uri('nbd://127.0.0.1:" + s.nbdPort() + "/img%04d.vdisk' % i)",
                    "    h.pwrite(b'\\x5a' * 4096, 8192)",
                    "    h.flush()",
                    "    h.shutdown()"));
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                    .until(() -> s.descriptors() < 200);
            }
            assertFalse(s.log().contains("Too many open files"), s.log());
            String[] lines = Run.vdisk(root, "flush").trim().split("\n");
            assertEquals(images + 1, lines.length);
            for (String line : lines) {
                String[] w = line.split(" ");
                if (w[1].equals("base.vdisk")) assertEquals(baseScore, w[2], line);
                else
                    assertNotEquals(baseScore, w[2], "committed before it closed: " + line);
            }
            Run.ok(tmp, "nbdcopy", s.nbdUrl("img1199.vdisk"), "last.raw");
            byte[] expected = new byte[SIZE];
            Arrays.fill(expected, 8192, 8192 + 4096, (byte) 0x5a);
            assertArrayEquals(expected, Files.readAllBytes(tmp.resolve("last.raw")));
            assertEquals(0, s.stop());
        }
    }
}
