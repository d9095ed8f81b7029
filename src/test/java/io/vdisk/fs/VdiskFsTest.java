package io.vdisk.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.image.ByteRanges;
import io.vdisk.image.ImageCommit;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.Kind;
import io.vdisk.image.VdiskFile;
import io.vdisk.live.LiveImage;
import io.vdisk.ninep.Caller;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePClient;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Images as raw disks, the synthetic trees and the control file, over a real 9P connection. */
class VdiskFsTest {
    private static final int SIZE = 3 << 20;
    @TempDir
    Path tmp;
    Fixture fx;
    byte[] disk;

    @BeforeEach
    void setUp() throws Exception {
        fx = new Fixture(tmp);
        disk = Fixture.disk(42, SIZE);
        fx.image("vm.vdisk", disk);
    }

    @AfterEach
    void tearDown() throws Exception {
        fx.close();
    }

    static void assertErrno(int errno, Executable op) {
        NinePException e = assertThrows(NinePException.class, op);
        assertEquals(errno, e.errno(), e.getMessage());
    }

    @Test
    void attachAcceptsTheRootNamesOnly() throws Exception {
        NinePClient c = fx.client;
        c.attach(c.newFid(), "", 1000, "/"); // Linux's per-user attach
        c.attach(c.newFid(), "", 1000, tmp.toString());
        c.attach(c.newFid(), "", 1000, tmp + "/");
        assertErrno(Errno.ENOENT, () -> c.attach(c.newFid(), "", 1000, "/elsewhere"));
        assertErrno(Errno.ENOENT, () -> c.attach(c.newFid(), "nobody", Caller.NO_UID, "ctl"));
    }

    @Test
    void aDiskReadsAsItsRawBytes() throws Exception {
        int fid = fx.walk("vm.vdisk");
        assertEquals(SIZE, fx.client.getattr(fid).size());
        fx.client.clunk(fid);
        assertArrayEquals(disk, fx.read("vm.vdisk"));
    }

    @Test
    void writesAreReadBackAndDurableAfterFsync() throws Exception {
        byte[] data = "written through 9P".getBytes(StandardCharsets.UTF_8);
        int fid = fx.walk("vm.vdisk");
        fx.client.lopen(fid, NinePClient.O_RDWR);
        LiveImage img = fx.images.get("vm.vdisk");
        assertTrue(img.openForWriting(), "an open for writing counts as a writer");
        // Across a block boundary, in the hole and in data.
        for (long at : new long[]{4090, SIZE / 3, SIZE - data.length}) {
            assertEquals(data.length, fx.client.write(fid, at, data, 0, data.length));
            System.arraycopy(data, 0, disk, (int) at, data.length);
        }
        fx.client.fsync(fid);
        fx.client.clunk(fid);
        assertFalse(img.openForWriting(), "clunk releases the writer");
        assertArrayEquals(disk, fx.read("vm.vdisk"));
        byte[] direct = new byte[SIZE];
        img.read(0, direct, 0, SIZE);
        assertArrayEquals(disk, direct, "the live image NBD shares sees the same bytes");
    }

    @Test
    void truncateAndWritesPastTheEndResizeTheDisk() throws Exception {
        int fid = fx.walk("vm.vdisk");
        fx.client.setattr(fid, SetAttr.truncate(1 << 20));
        assertEquals(1 << 20, fx.client.getattr(fid).size());
        assertEquals(1 << 20, fx.images.get("vm.vdisk").size());
        fx.client.lopen(fid, NinePClient.O_RDWR);
        byte[] tail = {1, 2, 3};
        fx.client.write(fid, (2 << 20) - 3, tail, 0, 3);
        assertEquals(2 << 20, fx.client.getattr(fid).size());
        fx.client.clunk(fid);
        byte[] want = new byte[2 << 20];
        System.arraycopy(disk, 0, want, 0, 1 << 20);
        System.arraycopy(tail, 0, want, want.length - 3, 3);
        assertArrayEquals(want, fx.read("vm.vdisk"), "cut bytes come back as zeros");
    }

    @Test
    void snapshotsAreFiledByDateAndReadOnly() throws Exception {
        // A snapshot as the flusher would commit it: changed bytes, prev = the import root.
        ImageRoot imported = ImageRoot.load(fx.store, VdiskFile.read(tmp.resolve("vm.vdisk")));
        byte[] snapped = disk.clone();
        snapped[100] = snapped[101] = snapped[102] = 9;
        ImageRoot snap = ImageCommit.commit(fx.store, imported, SIZE, new ByteRanges().add(100, 3),
            (off, dst, o, len) -> System.arraycopy(snapped, (int) off, dst, o, len), Kind.MANUAL,
            true, "nightly", imported.score(), Instant.parse("2026-11-26T23:59:58Z")
                .toEpochMilli());
        VdiskFile.write(tmp.resolve("vm.vdisk"), snap.score());
        fx.images.get("vm.vdisk").write(200, new byte[]{7}, 0, 1);
        byte[] live = snapped.clone();
        live[200] = 7;
        assertEquals(List.of("2026"), names(fx.ls(".snapshots")));
        assertEquals(List.of("1125", "1126"), names(fx.ls(".snapshots/2026")));
        assertEquals(List.of("235958"), names(fx.ls(".snapshots/2026/1126")));
        assertEquals(List.of("vm.vdisk"), names(fx.ls(".snapshots/2026/1125/103000")));
        assertArrayEquals(disk, fx.read(".snapshots/2026/1125/103000/vm.vdisk"));
        assertArrayEquals(snapped, fx.read(".snapshots/2026/1126/235958/vm.vdisk"));
        assertArrayEquals(live, fx.read("vm.vdisk"), "the live disk has the journal on top");
        int fid = fx.walk(".snapshots/2026/1125/103000/vm.vdisk");
        assertEquals(SIZE, fx.client.getattr(fid).size());
        assertErrno(Errno.EROFS, () -> fx.client.lopen(fid, NinePClient.O_RDWR));
        assertErrno(Errno.EROFS, () -> fx.client.setattr(fid, SetAttr.truncate(0)));
        int dir = fx.walk(".snapshots/2026");
        assertErrno(Errno.EROFS, () -> fx.client.mkdir(dir, "x", 0755, 0));
        assertErrno(Errno.ENOENT, () -> fx.walk(".snapshots/2026/1125/103001"));
    }

    @Test
    void newSnapshotsAppearWithoutRestart() throws Exception {
        assertEquals(List.of("1125"), names(fx.ls(".snapshots/2026")));
        byte[] other = Fixture.disk(7, 1 << 20);
        fx.image("sub/dir/b.vdisk", other);
        assertEquals(List.of("b.vdisk"), names(fx.ls(".snapshots/2026/1125/103000/sub/dir")));
        assertArrayEquals(other, fx.read(".snapshots/2026/1125/103000/sub/dir/b.vdisk"));
    }

    @Test
    void scoresFilesHoldTheCurrentScore() throws Exception {
        fx.image("sub/b.vdisk", Fixture.disk(3, 8192));
        assertEquals(List.of("sub", "vm.vdisk"), names(fx.ls(".scores")));
        assertEquals(List.of("b.vdisk"), names(fx.ls(".scores/sub")));
        for (String n : List.of("vm.vdisk", "sub/b.vdisk")) {
            String want = VdiskFile.read(tmp.resolve(n)).toHex() + "\n";
            assertEquals(want, new String(fx.read(".scores/" + n), StandardCharsets.US_ASCII));
        }
        int fid = fx.walk(".scores/vm.vdisk");
        assertEquals(41, fx.client.getattr(fid).size());
        assertErrno(Errno.EROFS, () -> fx.client.lopen(fid, NinePClient.O_WRONLY));
    }

    @Test
    void ctlRunsCommandsAndRepliesOnTheSameFid() throws Exception {
        int fid = fx.walk("ctl");
        fx.client.lopen(fid, NinePClient.O_RDWR);
        byte[] cmd = "snapshot vm.vdisk nightly\n".getBytes(StandardCharsets.UTF_8);
        fx.client.write(fid, 0, cmd, 0, cmd.length);
        assertEquals("ok: snapshot vm.vdisk nightly\n", new String(fx.client.readAll(fid),
            StandardCharsets.UTF_8));
        assertEquals(List.of("snapshot vm.vdisk nightly"), fx.control.lines);
        byte[] bad = "bad thing".getBytes(StandardCharsets.UTF_8);
        assertErrno(Errno.EINVAL, () -> fx.client.write(fid, 0, bad, 0, bad.length));
        assertEquals("error: unknown command 'bad thing'\n", new String(fx.client.readAll(fid),
            StandardCharsets.UTF_8));
        byte[] fail = "fail now".getBytes(StandardCharsets.UTF_8);
        assertErrno(Errno.EIO, () -> fx.client.write(fid, 0, fail, 0, fail.length));
        // the reason stays readable however the failure came: wrapped, or a refusal for now
        byte[] full = "full disk".getBytes(StandardCharsets.UTF_8);
        assertErrno(Errno.ENOSPC, () -> fx.client.write(fid, 0, full, 0, full.length));
        assertEquals("error: No space left on device\n", new String(fx.client.readAll(fid),
            StandardCharsets.UTF_8));
        byte[] busy = "busy image".getBytes(StandardCharsets.UTF_8);
        assertErrno(Errno.EBUSY, () -> fx.client.write(fid, 0, busy, 0, busy.length));
        assertEquals("error: vm.vdisk is open for writing\n", new String(
            fx.client.readAll(fid), StandardCharsets.UTF_8));
        fx.client.clunk(fid);
    }

    /**
     * A reader of an image no one has open leaves it closed (no journal, no room on disk), and
     * still sees what a writer writes once the writer has opened it.
     */
    @Test
    void anIdleImageIsReadWithoutOpeningIt() throws Exception {
        assertArrayEquals(disk, fx.read("vm.vdisk"));
        assertNull(fx.images.ifOpen("vm.vdisk"));
        assertFalse(Files.exists(fx.dir.resolve(".vdisk/journal")), "no journal made");

        int reader = fx.walk("vm.vdisk");
        fx.client.lopen(reader, NinePClient.O_RDONLY);
        byte[] before = new byte[4096];
        assertEquals(before.length, fx.client.read(reader, 8192, before, 0, before.length));
        assertArrayEquals(Arrays.copyOfRange(disk, 8192, 8192 + 4096), before);
        assertNull(fx.images.ifOpen("vm.vdisk"));
        assertErrno(Errno.EBADF, () -> fx.client.write(reader, 0, before, 0, 1));

        int writer = fx.walk("vm.vdisk");
        fx.client.lopen(writer, NinePClient.O_RDWR);
        byte[] written = new byte[4096];
        Arrays.fill(written, (byte) 7);
        fx.client.write(writer, 8192, written, 0, written.length);
        byte[] after = new byte[4096];
        assertEquals(after.length, fx.client.read(reader, 8192, after, 0, after.length));
        assertArrayEquals(written, after, "the idle reader reads through the opened image");
        fx.client.fsync(reader); // an fsync of a reader covers the writer's writes too
        fx.client.clunk(reader);
        fx.client.clunk(writer);
    }

    @Test
    void anOpenImageCannotBeMovedOrRemoved() throws Exception {
        int fid = fx.walk("vm.vdisk");
        fx.client.lopen(fid, NinePClient.O_RDWR);
        fx.client.clunk(fid); // the image stays open in the server
        assertErrno(Errno.EBUSY, () -> fx.client.unlinkat(fx.root, "vm.vdisk", 0));
        assertErrno(Errno.EBUSY, () -> fx.client.renameat(fx.root, "vm.vdisk", fx.root,
            "other.vdisk"));
        assertErrno(Errno.EPERM, () -> fx.client.lcreate(fx.walk(""), "new.vdisk",
            NinePClient.O_RDWR, 0644, 0));
    }

    @Test
    void theRootListsImagesAndTheSyntheticTreesButNotTheStore() throws Exception {
        java.nio.file.Files.writeString(tmp.resolve(".vm.vdisk.tmp-123"), "temp");
        List<String> names = fx.ls("");
        assertTrue(names.containsAll(List.of("vm.vdisk", ".snapshots", ".scores",
            "ctl")), names.toString());
        assertFalse(names.contains(".vdisk"), names.toString());
        assertFalse(names.contains(".vm.vdisk.tmp-123"), names.toString());
    }

    /** Drops "." and "..". */
    static List<String> names(List<String> ls) {
        return ls.stream().filter(n -> !n.equals(".") && !n.equals("..")).toList();
    }
}
