package io.vdisk.it.ninep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import io.vdisk.ninep.NinePClient;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 2 over 9P: bytes written and fsynced through vdiskfs survive a kill -9 of
 * {@code vdisk serve}, are read back over 9P after a restart, and by {@code vdisk cat} once the
 * server has stopped.
 */
class CrashIT {
    private static final int SIZE = 16 << 20;
    @TempDir
    Path tmp;

    @Test
    void fsyncedWritesSurviveKillDashNine() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        long seed = 20261125L;
        Random rnd = new Random(seed);
        byte[] disk = new byte[SIZE];
        rnd.nextBytes(disk);
        Files.write(tmp.resolve("d.raw"), disk);
        Run.vdisk(root, "init");
        Run.vdisk(root, "import", tmp.resolve("d.raw").toString(), "vm.vdisk");
        // Writes: unaligned, across blocks, and one of 3 MiB (several 9P messages).
        long[] offsets = {0, 4095, 5 << 20, SIZE - 3000};
        int[] lengths = {17, 8192, 3 << 20, 3000};
        try (ServerProcess s = ServerProcess.start(root)) {
            try (NinePClient c = connect(s)) {
                int r = c.newFid();
                c.attach(r, "", 0, "");
                int f = c.walk(r, "vm.vdisk");
                c.lopen(f, NinePClient.O_RDWR);
                for (int i = 0; i < offsets.length; i++) {
                    byte[] data = new byte[lengths[i]];
                    rnd.nextBytes(data);
                    assertEquals(data.length, c.write(f, offsets[i], data, 0, data.length));
                    System.arraycopy(data, 0, disk, (int) offsets[i], data.length);
                }
                c.fsync(f);
                s.kill9(); // the fid is still open: no clunk, no shutdown flush
            }
        }
        // what the crash left: the .vdisk names a complete tree and every record verifies
        Run.vdisk(root, "verify");
        try (ServerProcess s = ServerProcess.start(root); NinePClient c = connect(s)) {
            int r = c.newFid();
            c.attach(r, "", 0, "/");
            int f = c.walk(r, "vm.vdisk");
            assertEquals(SIZE, c.getattr(f).size());
            c.lopen(f, NinePClient.O_RDONLY);
            assertArrayEquals(disk, c.readAll(f), "seed " + seed + ": read over 9P after restart");
            c.clunk(f);
            assertEquals(0, s.stop());
        }
        Run.ok(tmp, "bash", "-c", "set -o pipefail; java -jar " + System.getProperty("vdisk.home",
            "../src/target") + "/vdisk.jar -C root cat vm.vdisk > cat.raw");
        assertArrayEquals(disk, Files.readAllBytes(tmp.resolve("cat.raw")), "seed " + seed
            + ": vdisk cat after the server stopped");
    }

    private static NinePClient connect(ServerProcess s) throws Exception {
        return NinePClient.connect(new InetSocketAddress("127.0.0.1", s.ninepPort()));
    }
}
