package io.vdisk.it.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Linux kernel's own 9P client (v9fs over TCP, 9p2000.L) in a QEMU guest: it mounts the
 * server through user-mode networking, reads an image, writes into it, fsyncs and reads back;
 * the host then checks the bytes with {@code vdisk cat} after a flush.
 */
class NinePGuestIT {
    @TempDir
    Path tmp;

    @Test
    void kernelClientReadsWritesAndFsyncs() throws Exception {
        Path kernel = GuestVm.requireKernel();
        Path root = tmp.resolve("root");
        Files.createDirectories(root);
        Run.vdisk(root, "init");
        byte[] disk = new byte[8 << 20];
        new Random(21).nextBytes(disk);
        Files.write(tmp.resolve("disk.raw"), disk);
        Run.vdisk(root, "import", tmp.resolve("disk.raw").toString(), "vm.vdisk");
        String md5 = Run.ok(tmp, "md5sum", "disk.raw").split("\\s+")[0];

        try (ServerProcess s = ServerProcess.start(root)) {
            String script = "ip link set lo up; ip link set eth0 up\n"
                + "ip addr add 10.0.2.15/24 dev eth0; ip route add default via 10.0.2.2\n"
                + "mount -t 9p -o trans=tcp,port=" + s.ninepPort()
                + ",version=9p2000.L,aname=/,msize=262144 10.0.2.2 /mnt || echo MOUNT-FAILED\n"
                + "ls /mnt\n"
                + "echo READ $(md5sum < /mnt/vm.vdisk)\n"
                + "echo 'written by the v9fs client' > /tmp/msg\n"
                + "dd if=/tmp/msg of=/mnt/vm.vdisk bs=1 seek=1048576 conv=notrunc,fsync"
                + " 2>/dev/null\n"
                + "echo BACK $(dd if=/mnt/vm.vdisk bs=1 skip=1048576 count=26 2>/dev/null)\n"
                + "umount /mnt\n";
            String out = GuestVm.boot(tmp, kernel, GuestVm.initramfs(tmp.resolve("g"), kernel,
                script), List.of("-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"));
            assertTrue(!out.contains("MOUNT-FAILED"), out);
            assertTrue(out.contains("vm.vdisk"), out);
            assertTrue(out.contains("READ " + md5), "guest read other bytes:\n" + out);
            assertTrue(out.contains("BACK written by the v9fs client"), out);
            Run.vdisk(root, "flush", "vm.vdisk");
            assertEquals(0, s.stop());
        }
        // vdisk cat, the CLI's own reader of the committed tree, gives the bytes back
        Run.ok(tmp, "bash", "-c", "java -jar '" + System.getProperty("vdisk.home")
            + "/vdisk.jar' -C '" + root + "' cat vm.vdisk > after.raw");
        byte[] after = Files.readAllBytes(tmp.resolve("after.raw"));
        byte[] msg = "written by the v9fs client\n".getBytes(StandardCharsets.US_ASCII);
        assertArrayEquals(msg, Arrays.copyOfRange(after, 1 << 20, (1 << 20) + msg.length));
        Arrays.fill(disk, 1 << 20, (1 << 20) + msg.length, (byte) 0);
        Arrays.fill(after, 1 << 20, (1 << 20) + msg.length, (byte) 0);
        assertArrayEquals(disk, after, "bytes outside the write changed");
    }
}
