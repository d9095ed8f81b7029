package io.vdisk.it.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import io.vdisk.it.SmallFileSystem;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest whose disk's file system fills up: the server answers its writes ENOSPC, so QEMU
 * (werror=enospc, its default for virtio disks) pauses the guest instead of handing it an I/O
 * error. Once room is made, {@code cont} resumes it, QEMU retries the writes, and the guest's
 * {@code dd} ends well with every byte on the disk.
 */
class NbdGuestFullDiskIT {
    private static final int WRITE = 16 << 20;
    @TempDir
    Path tmp;
    private SmallFileSystem small;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        small = SmallFileSystem.mount(tmp.resolve("small"), "128m");
    }

    @AfterEach
    void unmount() throws Exception {
        if (small != null) small.close();
    }

    @Test
    void aGuestPausedForWantOfRoomResumesAndItsWritesLand() throws Exception {
        Path kernel = GuestVm.requireKernel();
        Path root = Files.createDirectories(small.path().resolve("root"));
        Files.write(tmp.resolve("disk.raw"), new byte[32 << 20]);
        Run.vdisk(tmp, "init", root.toString());
        Run.vdisk(tmp, "-C", root.toString(), "import", tmp.resolve("disk.raw").toString(),
            "vm.vdisk");
        String script = "head -c " + WRITE + " /dev/urandom > /tmp/data\n"
            + "echo SUM $(md5sum < /tmp/data)\n"
            + "dd if=/tmp/data of=/dev/vda bs=1M conv=fsync 2>/dev/null; echo DD-EXIT $?\n";
        try (ServerProcess s = ServerProcess.start(root)) {
            Path filler = small.fill(4 << 20); // a quarter of the write
            Path qmp = tmp.resolve("qmp.sock");
            Path console = tmp.resolve("console.log");
            Process vm = GuestVm.start(kernel, GuestVm.initramfs(tmp.resolve("g"), kernel, script),
                List.of("-drive", "file=" + s.nbdUrl("vm.vdisk")
                    + ",format=raw,if=virtio,cache=none,werror=enospc", "-qmp",
                    "unix:" + qmp + ",server=on,wait=off"),
                console);
            try {
                Awaitility.await().atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        if (!vm.isAlive()) {
                            throw new AssertionError("the guest ended instead of pausing:\n"
                                + Files.readString(console, StandardCharsets.ISO_8859_1));
                        }
                        return Files.exists(qmp) && qmp(qmp, "query-status").contains(
                            "\"io-error\"");
                    });
                assertTrue(s.log().contains("No space left on device"), s.log());
                Files.delete(filler);
                assertTrue(qmp(qmp, "cont").contains("\"return\""));
                String out = GuestVm.waitForPowerOff(vm, console);
                assertTrue(out.contains("DD-EXIT 0"), out);
                Matcher sum = Pattern.compile("SUM ([0-9a-f]{32})").matcher(out);
                assertTrue(sum.find(), out);
                Path back = tmp.resolve("back.raw");
                Run.ok(tmp, "nbdcopy", s.nbdUrl("vm.vdisk"), back.toString());
                byte[] disk = Files.readAllBytes(back);
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                md5.update(disk, 0, WRITE);
                assertEquals(sum.group(1), HexFormat.of().formatHex(md5.digest()));
            } finally {
                vm.destroyForcibly();
            }
            assertEquals(0, s.stop());
        }
        Run.vdisk(tmp, "-C", root.toString(), "verify");
    }

    /** Sends one QMP command (after the capabilities handshake) and returns its reply line. */
    private static String qmp(Path socket, String command) throws Exception {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            BufferedReader in = new BufferedReader(new InputStreamReader(
                Channels.newInputStream(ch), StandardCharsets.UTF_8));
            OutputStream out = Channels.newOutputStream(ch);
            in.readLine(); // the greeting
            for (String c : List.of("qmp_capabilities", command)) {
                out.write(("{\"execute\": \"" + c + "\"}\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                String line;
                do { // events may come first
                    line = in.readLine();
                    if (line == null) throw new java.io.EOFException("QMP closed");
                } while (!line.contains("\"return\"") && !line.contains("\"error\""));
                if (c.equals(command)) return line;
            }
            throw new IllegalStateException("unreachable");
        }
    }
}
