package io.vdisk.it.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.it.Run;
import io.vdisk.it.ServerProcess;
import io.vdisk.it.SmallFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A root on a file system that fills up under a guest's writes: a 160 MiB tmpfs, most of it taken
 * by a filler file. NBD writes that find no room get ENOSPC (what lets QEMU's default
 * {@code werror=enospc} pause the guest), a flush through the server says why it failed, the
 * server keeps serving, and once room is made the same writes land, flush and survive a kill -9.
 */
class FullDiskIT {
    private static final int SIZE = 48 << 20;
    @TempDir
    Path tmp;
    private SmallFileSystem small;
    private Path mount;

    @BeforeEach
    void mountSmallFileSystem() throws Exception {
        small = SmallFileSystem.mount(tmp.resolve("small"), "160m");
        mount = small.path();
    }

    @AfterEach
    void unmount() throws Exception {
        if (small != null) small.close();
    }

    @Test
    void writesWithoutRoomGetEnospcAndLandOnceThereIsRoom() throws Exception {
        Path root = Files.createDirectories(mount.resolve("root"));
        Random rnd = new Random(96);
        byte[] other = new byte[4 << 20];
        rnd.nextBytes(other);
        Files.write(tmp.resolve("other.raw"), other);
        try (var f = new java.io.RandomAccessFile(tmp.resolve("empty.raw").toFile(), "rw")) {
            f.setLength(SIZE);
        }
        Run.vdisk(root, "init");
        Run.vdisk(root, "import", tmp.resolve("other.raw").toString(), "other.vdisk");
        Run.vdisk(root, "import", tmp.resolve("empty.raw").toString(), "vm.vdisk");
        byte[] disk = new byte[SIZE];
        rnd.nextBytes(disk);
        Path in = tmp.resolve("in.raw");
        Files.write(in, disk);
        try (ServerProcess s = ServerProcess.start(root)) {
            String vm = s.nbdUrl("vm.vdisk");
            Path filler = small.fill(9 << 20); // room for a fifth of the write
            Path room = mount.resolve("room");
            Files.write(room, new byte[1 << 20]);
            Run.Result full = Run.exec(tmp, List.of("nbdcopy", in.toString(), vm));
            assertEquals(1, full.code(), full.out());
            assertTrue(full.out().contains("No space left on device"), full.out());
            // Flushes through the server, run from outside the full file system (where their
            // output can be written): with no room at all the journal cannot start its next
            // log; with 1 MiB the store runs out in the middle of its appends.
            for (int attempt = 0; attempt < 2; attempt++) {
                Run.Result flush = Run.vdiskExec(tmp, "-C", root.toString(), "flush",
                    "vm.vdisk");
                assertEquals(1, flush.code(), flush.out());
                // what failed, and in which of the root's files
                assertTrue(flush.out().strip().matches("vdisk: .*" + Pattern.quote(root
                    + "/.vdisk/") + "[^:]+: No space left on device.*"), flush.out());
                Files.deleteIfExists(room);
            }
            // the server carries on: another image reads whole, and so does this one, as far
            // as the writes went
            Run.ok(tmp, "nbdcopy", s.nbdUrl("other.vdisk"), tmp.resolve("o.raw").toString());
            assertArrayEquals(other, Files.readAllBytes(tmp.resolve("o.raw")));
            Run.ok(tmp, "nbdcopy", vm, tmp.resolve("part.raw").toString());
            byte[] part = Files.readAllBytes(tmp.resolve("part.raw"));
            assertArrayEquals(java.util.Arrays.copyOf(disk, 4 << 20),
                java.util.Arrays.copyOf(part, 4 << 20));
            // room again: the same write lands and a FLUSH makes it durable; the store takes
            // it in after the appends that failed; then a crash
            Files.delete(filler);
            Run.ok(tmp, "nbdcopy", "--flush", in.toString(), vm);
            Run.vdisk(tmp, "-C", root.toString(), "flush", "vm.vdisk");
            s.kill9();
        }
        try (ServerProcess s = ServerProcess.start(root)) {
            Run.ok(tmp, "nbdcopy", s.nbdUrl("vm.vdisk"), tmp.resolve("out.raw").toString());
            assertArrayEquals(disk, Files.readAllBytes(tmp.resolve("out.raw")));
            Run.vdisk(tmp, "-C", root.toString(), "flush");
            assertEquals(0, s.stop());
        }
        Run.vdisk(tmp, "-C", root.toString(), "verify");
        Run.vdisk(tmp, "-C", root.toString(), "export", "vm.vdisk",
            tmp.resolve("export.raw").toString());
        assertArrayEquals(disk, Files.readAllBytes(tmp.resolve("export.raw")));
    }

    /**
     * An import that runs out of room says so in one line, and leaves a store that verifies and
     * takes the same import once there is room. Before, the store's MapDB index grew sparse
     * through its mapping and the next command died of SIGBUS ("InternalError: a fault occurred
     * in a recent unsafe memory access operation").
     *
     * <p>Run twice: with the arenas written past the page cache (O_DIRECT), as the server
     * writes them, and through it, as the launcher has commands that run and exit write them.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void anImportWithoutRoomFailsInOneLineAndLeavesTheStoreWhole(boolean buffered)
        throws Exception {
        Path root = Files.createDirectories(mount.resolve("root"));
        Random rnd = new Random(97);
        byte[] disk = new byte[48 << 20];
        rnd.nextBytes(disk);
        java.util.Arrays.fill(disk, 24 << 20, disk.length, (byte) 'x'); // a few distinct blocks
        Path raw = tmp.resolve("disk.raw");
        Files.write(raw, disk);
        Run.vdisk(tmp, "init", root.toString());
        for (int freeMiB : new int[]{4, 8}) {
            Path filler = small.fill((long) freeMiB << 20);
            List<String> importCmd = ServerProcess.vdisk();
            if (buffered) importCmd.add(1, "-Dvdisk.arena.buffered=true");
            importCmd.addAll(List.of("-C", root.toString(), "import", raw.toString(),
                "vm.vdisk"));
            Run.Result r = Run.exec(tmp, importCmd);
            assertEquals(1, r.code(), r.out());
            String errors = r.out().lines().filter(l -> !l.contains("warning:"))
                .collect(java.util.stream.Collectors.joining("\n"));
            assertTrue(errors.matches("vdisk: " + Pattern.quote(root + "/.vdisk/store/")
                + "(arena-\\d{6}\\.vda(\\.tmp)? offset \\d+|index\\.db|index\\.clean\\.tmp)"
                + ": No space left on device"), errors);
            assertTrue(!Files.exists(root.resolve("vm.vdisk")));
            Run.Result v = Run.vdiskExec(tmp, "-C", root.toString(), "verify");
            assertEquals(0, v.code(), v.out());
            // at most a warning that the filter could not be saved: no stack trace
            assertTrue(!v.out().contains("InternalError") && !v.out().contains("\tat "),
                v.out());
            Files.delete(filler);
        }
        Run.vdisk(tmp, "-C", root.toString(), "import", raw.toString(), "vm.vdisk");
        Run.vdisk(tmp, "-C", root.toString(), "export", "vm.vdisk",
            tmp.resolve("out.raw").toString());
        assertArrayEquals(disk, Files.readAllBytes(tmp.resolve("out.raw")));
        Run.vdisk(tmp, "-C", root.toString(), "verify");
    }
}
