package io.vdisk.it.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vdisk serve} driven over NBD by qemu-img, qemu-io, nbdinfo and nbdcopy, compared with
 * {@code vdisk export}; a kill -9 between a flushed write and the next read.
 */
class NbdClientsIT {
    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void image() throws Exception {
        root = tmp.resolve("root");
        Files.createDirectories(root);
        Run.vdisk(root, "init");
        // 32 MiB: random data, then a zero gap, then text, so there are holes to report.
        byte[] disk = new byte[32 << 20];
        Random r = new Random(11);
        byte[] noise = new byte[8 << 20];
        r.nextBytes(noise);
        System.arraycopy(noise, 0, disk, 0, noise.length);
        byte[] text = "vdisk over nbd ".repeat(100_000).getBytes();
        System.arraycopy(text, 0, disk, 20 << 20, text.length);
        Files.write(tmp.resolve("disk.raw"), disk);
        Run.vdisk(root, "import", tmp.resolve("disk.raw").toString(), "vm.vdisk");
    }

    @Test
    void qemuImgInfoConvertCompare() throws Exception {
        // The CLI reads the store itself, so it runs while no server holds it.
        Run.vdisk(root, "export", "vm.vdisk", tmp.resolve("exp.raw").toString());
        try (ServerProcess s = ServerProcess.start(root)) {
            String info = Run.ok(tmp, "qemu-img", "info", "-f", "raw", s.nbdUrl("vm.vdisk"));
            assertTrue(info.contains("virtual size: 32 MiB"), info);
            Run.ok(tmp, "qemu-img", "convert", "-f", "raw", "-O", "raw", s.nbdUrl("vm.vdisk"),
                "conv.raw");
            Run.ok(tmp, "cmp", "conv.raw", "exp.raw");
            Run.ok(tmp, "cmp", "conv.raw", "disk.raw");
            Run.ok(tmp, "qemu-img", "compare", "-f", "raw", "-F", "raw", "exp.raw",
                s.nbdUrl("vm.vdisk"));
            String map = Run.ok(tmp, "qemu-img", "map", "--output=json", "-f", "raw",
                s.nbdUrl("vm.vdisk"));
            assertTrue(map.contains("\"zero\": true"), "zero gap not reported as a hole:\n" + map);
        }
    }

    @Test
    void qemuIoPatternsWithFlush() throws Exception {
        try (ServerProcess s = ServerProcess.start(root)) {
            String url = s.nbdUrl("vm.vdisk");
            Run.ok(tmp, "qemu-io", "-f", "raw", "-c", "write -P 0xa5 1M 3M", "-c", "flush", "-c",
                "write -P 0x3c -f 9M 512k", "-c", "write -z 12M 1M", "-c", "discard 14M 1M",
                url);
            String out = Run.ok(tmp, "qemu-io", "-f", "raw", "-c", "read -P 0xa5 1M 3M", "-c",
                "read -P 0x3c 9M 512k", "-c", "read -P 0 12M 1M", "-c", "read -P 0 14M 1M",
                url);
            assertTrue(!out.contains("verification failed"), out);
            // 9M lies in a hole of the committed tree: block status must report the journal's
            // data there, or convert (which skips holes) would copy zeros
            Run.ok(tmp, "qemu-img", "convert", "-f", "raw", "-O", "raw", url, "live.raw");
            String copied = Run.ok(tmp, "qemu-io", "-f", "raw", "-c", "read -P 0x3c 9M 512k",
                "-c", "read -P 0xa5 1M 3M", "-c", "read -P 0 12M 1M", "live.raw");
            assertTrue(!copied.contains("verification failed"), copied);
        }
    }

    @Test
    void nbdinfoListAndNbdcopyBothWays() throws Exception {
        Run.vdisk(root, "clone", "vm.vdisk", "copy.vdisk");
        try (ServerProcess s = ServerProcess.start(root)) {
            String list = Run.ok(tmp, "nbdinfo", "--list", "nbd://127.0.0.1:" + s.nbdPort());
            assertTrue(list.contains("vm.vdisk") && list.contains("copy.vdisk"), list);
            Run.ok(tmp, "nbdcopy", s.nbdUrl("vm.vdisk"), "copied.raw");
            Run.ok(tmp, "cmp", "copied.raw", "disk.raw");
            byte[] other = new byte[32 << 20];
            new Random(12).nextBytes(other);
            Files.write(tmp.resolve("other.raw"), other);
            Run.ok(tmp, "nbdcopy", "other.raw", s.nbdUrl("copy.vdisk"));
            Run.ok(tmp, "nbdcopy", s.nbdUrl("copy.vdisk"), "back.raw");
            Run.ok(tmp, "cmp", "back.raw", "other.raw");
            // A revision export is the committed content, read-only.
            Run.ok(tmp, "nbdcopy", s.nbdUrl("vm.vdisk@0"), "snap.raw");
            Run.ok(tmp, "cmp", "snap.raw", "disk.raw");
            Run.Result w = Run.exec(tmp, List.of("qemu-io", "-f", "raw", "-c", "write 0 512",
                s.nbdUrl("vm.vdisk@0")));
            assertTrue(w.code() != 0 || w.out().contains("Operation not permitted")
                || w.out().contains("read-only"), w.out());
        }
    }

    @Test
    void flushedWritesSurviveKill9() throws Exception {
        int ninep = ServerProcess.freePort();
        int nbd = ServerProcess.freePort();
        ServerProcess s = ServerProcess.start(root, ninep, nbd);
        Run.ok(tmp, "qemu-io", "-f", "raw", "-c", "write -P 0x77 5M 2M", "-c", "flush",
            s.nbdUrl("vm.vdisk"));
        s.kill9();
        assertTrue(!s.isAlive());
        // what the crash left: the .vdisk names a complete tree and every record verifies
        Run.vdisk(root, "verify");
        try (ServerProcess again = ServerProcess.start(root, ninep, nbd)) {
            String out = Run.ok(tmp, "qemu-io", "-f", "raw", "-c", "read -P 0x77 5M 2M",
                again.nbdUrl("vm.vdisk"));
            assertTrue(!out.contains("verification failed"), out);
            assertEquals(0, again.stop());
        }
        // After a clean stop the CLI reads the same bytes.
        Run.vdisk(root, "export", "vm.vdisk", tmp.resolve("after.raw").toString());
        byte[] after = Files.readAllBytes(tmp.resolve("after.raw"));
        for (int i = 5 << 20; i < 7 << 20; i += 4096)
            assertEquals((byte) 0x77, after[i]);
        assertNotEquals((byte) 0x77, after[(5 << 20) - 1]);
    }
}
