package io.vdisk.it.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI while {@code vdisk serve} holds the root's store: each command runs inside the server
 * (the store takes one process), and what it does is what the same command does alone, as real
 * clients see it.
 */
class CommandsWhileServingIT {
    @TempDir
    Path tmp;

    @Test
    void commandsRunInTheServerThatHoldsTheStore() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Run.vdisk(root, "init");
        byte[] first = new byte[8 << 20];
        new Random(11).nextBytes(first);
        Files.write(tmp.resolve("first.raw"), first);
        Run.vdisk(root, "import", tmp.resolve("first.raw").toString(), "vm.vdisk");
        // half of it repeats the first disk: dedup across an import made through the server
        byte[] second = Arrays.copyOf(first, 12 << 20);
        new Random(12).nextBytes(second);
        System.arraycopy(first, 0, second, 0, 6 << 20);
        Files.write(tmp.resolve("second.raw"), second);

        try (ServerProcess s = ServerProcess.start(root)) {
            String imported = Run.vdisk(root, "import", tmp.resolve("second.raw").toString(),
                "new.vdisk");
            assertTrue(imported.contains("new.vdisk: "), imported);
            // NBD sees the new image at once, with the imported bytes
            String list = Run.ok(tmp, "nbdinfo", "--list", "nbd://127.0.0.1:" + s.nbdPort());
            assertTrue(list.contains("export=\"new.vdisk\""), list);
            Run.ok(tmp, "nbdcopy", s.nbdUrl("new.vdisk"), tmp.resolve("nbd.raw").toString());
            assertArrayEquals(second, Files.readAllBytes(tmp.resolve("nbd.raw")));
            // reads of the store: stdout streamed back, byte for byte
            sh(root, "cat new.vdisk > " + tmp.resolve("cat.raw"));
            assertArrayEquals(second, Files.readAllBytes(tmp.resolve("cat.raw")));
            Run.vdisk(root, "export", "new.vdisk@0", tmp.resolve("export.raw").toString());
            assertArrayEquals(second, Files.readAllBytes(tmp.resolve("export.raw")));
            String info = Run.vdisk(root, "info", "new.vdisk");
            assertTrue(info.contains("size:       " + second.length), info);
            // the same root named through a symbolic link is the server's root
            Path link = Files.createSymbolicLink(tmp.resolve("link"), root);
            // (-C keeps the link in the path the CLI finds the root by)
            assertEquals(info, Run.vdisk(tmp, "-C", link.toString(), "info", "new.vdisk"));
            String log = Run.vdisk(root, "log", "new.vdisk");
            assertTrue(log.contains("import"), log);
            String stats = Run.vdisk(root, "stats");
            assertTrue(stats.contains("new.vdisk"), stats);
            assertTrue(stats.contains("vm.vdisk"), stats);
            Run.vdisk(root, "clone", "new.vdisk", "copy.vdisk");
            assertEquals(Files.readString(root.resolve("new.vdisk")),
                Files.readString(root.resolve("copy.vdisk")));
            String verify = Run.vdisk(root, "verify");
            assertTrue(verify.startsWith("ok: 3 images verified"), verify);
            // init of a served root, like init of any existing root, changes nothing
            String init = Run.vdisk(root, "init");
            assertTrue(init.contains("exists already"), init);

            // an image the server serves is not replaced under its guests
            Run.Result refused = Run.vdiskExec(root, "import", tmp.resolve("first.raw")
                .toString(), "vm.vdisk");
            assertEquals(1, refused.code(), refused.out());
            assertTrue(refused.out().contains("vm.vdisk: served by the running vdisk serve"),
                refused.out());
            // nor when named through the link (-C keeps the link in the path; a working
            // directory would not, as the JVM takes its real path)
            refused = Run.vdiskExec(tmp, "-C", link.toString(), "import", tmp.resolve(
                "first.raw").toString(), "vm.vdisk");
            assertEquals(1, refused.code(), refused.out());
            assertTrue(refused.out().contains("vm.vdisk: served by the running vdisk serve"),
                refused.out());
            // errors come back as the one line the command prints alone
            Run.Result missing = Run.vdiskExec(root, "cat", "nope.vdisk");
            assertEquals(1, missing.code(), missing.out());
            assertTrue(missing.out().strip().endsWith("nope.vdisk: no such image file"),
                missing.out());
            Run.Result noRev = Run.vdiskExec(root, "info", "vm.vdisk@7");
            assertEquals(1, noRev.code(), noRev.out());
            assertEquals("vdisk: vm.vdisk@7: @7: the history has only 1 version",
                noRev.out().strip());

            // a reader that stops early ends the command; the server serves on
            String head = sh(root, "cat new.vdisk | head -c 4096 | wc -c").strip();
            assertEquals("4096", head);
            assertTrue(s.isAlive());
            Run.ok(tmp, "nbdcopy", s.nbdUrl("vm.vdisk"), tmp.resolve("vm.raw").toString());
            assertArrayEquals(first, Files.readAllBytes(tmp.resolve("vm.raw")));
            assertEquals(0, s.stop());
        }
        // what the server stored is there for the next process
        String verify = Run.vdisk(root, "verify");
        assertTrue(verify.startsWith("ok: 3 images verified"), verify);
        sh(root, "cat copy.vdisk > " + tmp.resolve("after.raw"));
        assertArrayEquals(second, Files.readAllBytes(tmp.resolve("after.raw")));
        assertTrue(!Files.exists(root.resolve(".vdisk/serve.token")),
            "the token goes with the server");
    }

    @Test
    void importsAtOnceAndAServerKilledDuringOne() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Run.vdisk(root, "init");
        Run.ok(tmp, "sh", "-c", "head -c 16M /dev/urandom > small.raw; head -c 768M"
            + " /dev/urandom > big.raw");
        Path big = tmp.resolve("big.raw");
        try (ServerProcess s = ServerProcess.start(root)) {
            // two CLIs import the same disk at once: both run in the server, one copy is kept
            Process a = start(root, tmp.resolve("a.out"), "import", tmp.resolve("small.raw")
                .toString(), "a.vdisk");
            Process b = start(root, tmp.resolve("b.out"), "import", tmp.resolve("small.raw")
                .toString(), "b.vdisk");
            assertEquals(0, a.waitFor(), Files.readString(tmp.resolve("a.out")));
            assertEquals(0, b.waitFor(), Files.readString(tmp.resolve("b.out")));
            String stats = Run.vdisk(root, "stats");
            assertTrue(stats.matches("(?s).*a\\.vdisk +4096 +4096 +100\\.0%.*"), stats);
            assertTrue(stats.matches("(?s).*b\\.vdisk +4096 +4096 +100\\.0%.*"), stats);

            // a CLI that goes away (Ctrl-C) stops the import the server runs for it
            long started = storeBytes(root);
            Process gone = start(root, tmp.resolve("gone.out"), "import", big.toString(),
                "big.vdisk");
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> storeBytes(root) > started + (64 << 20) || !gone.isAlive());
            boolean cut = gone.isAlive();
            gone.destroy();
            gone.waitFor();
            if (cut) {
                Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> s.log().contains(
                    "exec import ended: exit 1"));
                assertTrue(!Files.exists(root.resolve("big.vdisk")), s.log());
            }
            Files.deleteIfExists(root.resolve("big.vdisk"));

            // kill -9 of the server in the middle of an import it runs for a CLI
            long before = storeBytes(root);
            Process c = start(root, tmp.resolve("c.out"), "import", big.toString(),
                "big.vdisk");
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                .until(() -> storeBytes(root) > before + (64 << 20) || !c.isAlive());
            s.kill9();
            assertTrue(c.waitFor(60, TimeUnit.SECONDS));
            String said = Files.readString(tmp.resolve("c.out"));
            if (c.exitValue() == 0) {
                // the import won the race: then it is whole
                assertTrue(Files.exists(root.resolve("big.vdisk")), said);
            } else {
                assertEquals(1, c.exitValue(), said);
                String last = said.strip().lines().reduce((x, y) -> y).orElse("");
                assertTrue(last.startsWith("vdisk: the running vdisk serve stopped"), said);
                assertTrue(!said.contains("Exception") && !said.contains("\tat "), said);
                assertTrue(!Files.exists(root.resolve("big.vdisk")), said);
            }
        }
        // restarted, the store holds every image whole, and the import can be run again
        try (ServerProcess s = ServerProcess.start(root)) {
            String verify = Run.vdisk(root, "verify");
            assertTrue(verify.startsWith("ok: "), verify);
            Files.deleteIfExists(root.resolve("big.vdisk"));
            Run.vdisk(root, "import", big.toString(), "big.vdisk");
            Run.ok(tmp, "nbdcopy", s.nbdUrl("big.vdisk"), tmp.resolve("big.out").toString());
            Run.ok(tmp, "cmp", big.toString(), tmp.resolve("big.out").toString());
            assertEquals(0, s.stop());
        }
    }

    /** Starts {@code vdisk ARGS} in {@code dir}, stdout and stderr to {@code out}. */
    private static Process start(Path dir, Path out, String... args) throws Exception {
        return new ProcessBuilder(cmd(args)).directory(dir.toFile()).redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(out.toFile()).start();
    }

    private static long storeBytes(Path root) throws Exception {
        try (var files = Files.walk(root.resolve(".vdisk/store"))) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static List<String> cmd(String... args) {
        List<String> c = ServerProcess.vdisk();
        c.addAll(List.of(args));
        return c;
    }

    /** Runs {@code vdisk ARGS} through sh in {@code dir}, so ARGS may redirect and pipe. */
    private static String sh(Path dir, String args) throws Exception {
        String vdisk = String.join(" ", ServerProcess.vdisk());
        return new String(Run.ok(dir, "sh", "-c", vdisk + " " + args).getBytes(
            StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }
}
