package io.vdisk.it.ninep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's diod tools (a C 9P2000.L client) against {@code vdisk serve}: diodls lists the tree,
 * diodcat reads CAS-backed images, their snapshots and scores, byte-identical to
 * {@code vdisk export}.
 */
class DiodToolsIT {
    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void images() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        Run.vdisk(root, "init");
        // An ext4 disk with real files (deduplicated at file-system blocks), and a raw one.
        Run.ok(tmp, "bash", "-c", "set -e; mkdir -p tree; cp -r /usr/share/doc/[a-c]* tree/"
            + " 2>/dev/null || true; truncate -s 32M fs.img; mke2fs -q -F -t ext4 -d tree fs.img;"
            + " head -c 5000000 /dev/urandom > raw.img");
        Run.vdisk(root, "import", tmp.resolve("fs.img").toString(), "vm.vdisk");
        Files.createDirectories(root.resolve("sub"));
        Run.vdisk(root, "import", tmp.resolve("raw.img").toString(), "sub/raw.vdisk");
        Files.writeString(root.resolve("notes.txt"), "plain file\n");
        Run.vdisk(root, "export", "vm.vdisk", tmp.resolve("vm.exp").toString());
        Run.vdisk(root, "export", "sub/raw.vdisk", tmp.resolve("raw.exp").toString());
    }

    private static String diod(ServerProcess s, String tool, String... args) throws Exception {
        List<String> cmd = Run.list(tool, "-s", "127.0.0.1:" + s.ninepPort(), "-a", "/");
        cmd.addAll(Arrays.asList(args));
        Run.Result r = Run.exec(s.root().getParent(), cmd);
        assertEquals(0, r.code(), () -> String.join(" ", cmd) + " failed:\n" + r.out());
        return r.out();
    }

    /** diodcat to a file (binary-safe), then cmp. */
    private void catAndCompare(ServerProcess s, String path, String expected) throws Exception {
        Run.ok(tmp, "bash", "-c", "diodcat -s 127.0.0.1:" + s.ninepPort() + " -a / -m 1048576 '"
            + path + "' > got.raw && cmp got.raw " + expected);
    }

    @Test
    void listAndReadTheTree() throws Exception {
        try (ServerProcess s = ServerProcess.start(root)) {
            List<String> top = Arrays.asList(diod(s, "diodls", "/").trim().split("\n"));
            assertTrue(top.containsAll(List.of("vm.vdisk", "sub", "notes.txt", ".snapshots",
                ".scores", "ctl")), top.toString());
            assertFalse(top.contains(".vdisk"), "the store folder is hidden: " + top);
            String sub = diod(s, "diodls", "-l", "sub");
            assertTrue(sub.matches("(?s).*\\s5000000 .*raw\\.vdisk.*"), sub);
            String vm = diod(s, "diodls", "-l", "/");
            assertTrue(vm.matches("(?s).*\\s33554432 .*vm\\.vdisk.*"), vm);
            catAndCompare(s, "vm.vdisk", "vm.exp");
            catAndCompare(s, "sub/raw.vdisk", "raw.exp");
            catAndCompare(s, "sub/raw.vdisk", "raw.img");
            assertEquals("plain file\n", diod(s, "diodcat", "notes.txt"));
            String pointer = Files.readString(root.resolve("vm.vdisk"), StandardCharsets.US_ASCII);
            assertEquals(pointer.substring("vdisk:".length()), diod(s, "diodcat",
                ".scores/vm.vdisk"));
            // Each import is a snapshot: /.snapshots/YYYY/MMDD/HHMMSS/path/to/image.vdisk.
            List<String> snaps = new java.util.ArrayList<>();
            files(s, ".snapshots", snaps);
            assertEquals(2, snaps.size(), snaps.toString());
            for (String snap : snaps) {
                assertTrue(snap.matches("\\.snapshots/\\d{4}/\\d{4}/\\d{6}/.*"), snap);
                catAndCompare(s, snap, snap.endsWith("/sub/raw.vdisk") ? "raw.exp" : "vm.exp");
            }
            assertEquals(0, s.stop());
        }
    }

    /** Collects the files below {@code dir} (diodls -l: a mode string first, the name last). */
    private static void files(ServerProcess s, String dir, List<String> out) throws Exception {
        for (String line : diod(s, "diodls", "-l", dir).trim().split("\n")) {
            if (line.isBlank() || line.endsWith(":")) {
                continue;
            }
            String[] f = line.trim().split("\\s+");
            String path = dir + "/" + f[f.length - 1];
            if (f[0].startsWith("d")) {
                files(s, path, out);
            } else {
                out.add(path);
            }
        }
    }

    @Test
    void manyReadersAtOnce() throws Exception {
        try (ServerProcess s = ServerProcess.start(root)) {
            // Four diodcat processes on one image and two on the other, all in flight together.
            Run.ok(tmp, "bash", "-c", "set -e; p=127.0.0.1:" + s.ninepPort() + "; for i in 1 2 3 4;"
                + " do diodcat -s $p -a / -m 1048576 vm.vdisk > vm.$i & done;"
                + " for i in 1 2; do diodcat -s $p -a / -m 65536 sub/raw.vdisk > raw.$i & done;"
                + " wait; for i in 1 2 3 4; do cmp vm.$i vm.exp; done;"
                + " for i in 1 2; do cmp raw.$i raw.exp; done");
        }
    }
}
