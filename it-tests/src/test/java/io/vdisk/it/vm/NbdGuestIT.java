package io.vdisk.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An unmodified QEMU guest whose disk is {@code nbd://.../vm.vdisk}: it writes a pattern with
 * fsync; the server is killed with SIGKILL and restarted; a second boot reads the pattern back.
 */
class NbdGuestIT {
    @TempDir
    Path tmp;

    @Test
    void guestWritesSurviveKill9OfTheServer() throws Exception {
        Path kernel = GuestVm.requireKernel();
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Run.vdisk(root, "init");
        Files.write(tmp.resolve("disk.raw"), new byte[32 << 20]);
        Run.vdisk(root, "import", tmp.resolve("disk.raw").toString(), "vm.vdisk");

        String write = "i=0; while [ $i -lt 2048 ]; do echo \"vdisk guest line $i\"; "
            + "i=$((i+1)); done > /tmp/pattern\n"
            + "dd if=/tmp/pattern of=/dev/vda bs=4096 seek=1000 conv=fsync 2>/dev/null\n"
            + "sync\n"
            + "echo WROTE $(md5sum < /tmp/pattern)\n";
        String read = "i=0; while [ $i -lt 2048 ]; do echo \"vdisk guest line $i\"; "
            + "i=$((i+1)); done > /tmp/pattern\n"
            + "n=$(wc -c < /tmp/pattern)\n"
            + "dd if=/dev/vda bs=1 skip=4096000 count=$n 2>/dev/null > /tmp/back\n"
            + "if cmp -s /tmp/pattern /tmp/back; then echo PATTERN-OK; else echo PATTERN-BAD; fi\n";
        int ninep = ServerProcess.freePort();
        int nbd = ServerProcess.freePort();
        ServerProcess s = ServerProcess.start(root, ninep, nbd);
        List<String> drive = List.of("-drive", "file=" + s.nbdUrl("vm.vdisk")
            + ",format=raw,if=virtio,cache=none");
        String out1 = GuestVm.boot(tmp, kernel, GuestVm.initramfs(tmp.resolve("w"), kernel,
            write), drive);
        assertTrue(out1.contains("WROTE"), out1);
        s.kill9();
        try (ServerProcess again = ServerProcess.start(root, ninep, nbd)) {
            String out2 = GuestVm.boot(tmp, kernel, GuestVm.initramfs(tmp.resolve("r"), kernel,
                read), drive);
            assertTrue(out2.contains("PATTERN-OK"), out2);
            assertEquals(0, again.stop());
        }
        String text = Run.vdisk(root, "cat", "vm.vdisk");
        assertTrue(text.contains("vdisk guest line 0\nvdisk guest line 1\n"), "not committed");
    }
}
