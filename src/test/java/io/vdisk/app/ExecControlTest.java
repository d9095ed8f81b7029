package io.vdisk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.cli.Env;
import io.vdisk.live.Control;
import io.vdisk.venti.DiskBlockStore;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server side of CLI commands run in {@code vdisk serve}: who may, what, and the frames. */
class ExecControlTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheTokenHolderRunsOnlyImageCommands() throws Exception {
        Workspace w = Workspace.init(dir.resolve("root"), null);
        try (DiskBlockStore store = w.openStore(false)) {
            ExecControl c = ExecControl.create(line -> "plain " + line, w, store, env());
            Path tokenFile = ExecControl.tokenFile(w);
            assertEquals("rw-------", PosixFilePermissions.toString(Files
                .getPosixFilePermissions(tokenFile)));
            String token = Files.readString(tokenFile).strip();

            assertThrows(IllegalArgumentException.class, () -> c.start(ExecControl.line(
                "0".repeat(32), false, dir, new String[]{"stats"})));
            assertThrows(IllegalArgumentException.class, () -> c.start(ExecControl.line(token
                .substring(1), false, dir, new String[]{"stats"})));
            for (String[] args : new String[][]{{"serve", "."}, {"flush"}, {"-C", ".", "init"},
                {"--version"}}) {
                assertThrows(IllegalArgumentException.class, () -> c.start(ExecControl.line(
                    token, false, dir, args)), String.join(" ", args));
            }
            assertThrows(IllegalArgumentException.class, () -> c.start("exec " + token
                + " - not-base64 bc3RhdHM="));
            // other lines pass through; exec never runs as an ordinary command
            assertEquals(null, c.start("flush"));
            assertEquals("plain flush", c.execute("flush"));
            assertThrows(IllegalArgumentException.class, () -> c.execute(ExecControl.line(token,
                false, dir, new String[]{"stats"})));
        }
    }

    @Test
    void outputComesBackInFramesAndAGoneReaderStopsTheCommand() throws Exception {
        Workspace w = Workspace.init(dir.resolve("root"), null);
        // more than a command may buffer ahead of its reader (4 MiB), so that cat must wait
        byte[] disk = new byte[12 << 20];
        new Random(5).nextBytes(disk);
        Files.write(dir.resolve("disk.raw"), disk);
        try (DiskBlockStore store = w.openStore(false)) {
            ExecControl c = ExecControl.create(line -> "", w, store, env());
            String token = Files.readString(ExecControl.tokenFile(w)).strip();
            // the command uses the server's open store: alone it would find it locked
            Frames f = drain(c.start(ExecControl.line(token, false, w.root(), new String[]{"import",
                dir.resolve("disk.raw").toString(), "vm.vdisk"})), 64 << 10);
            assertEquals("exit 0", f.end);
            assertTrue(f.stderr.contains("warning: disk (offset 0): no ext2/3/4 or FAT"),
                f.stderr);
            assertTrue(f.stdout.toString(StandardCharsets.UTF_8).startsWith("vm.vdisk: "),
                f.stdout.toString(StandardCharsets.UTF_8));
            // stdout larger than what the command may buffer ahead, read in small pieces
            f = drain(c.start(ExecControl.line(token, false, w.root(), new String[]{"cat",
                "vm.vdisk"})), 1000);
            assertEquals("exit 0", f.end);
            assertEquals("", f.stderr);
            assertEquals(disk.length, f.stdout.size());
            assertTrue(java.util.Arrays.equals(disk, f.stdout.toByteArray()), "the bytes differ");
            // a failing command: its exit code and its one line of stderr
            f = drain(c.start(ExecControl.line(token, false, w.root(), new String[]{"cat",
                "none.vdisk"})), 64 << 10);
            assertEquals("exit 1", f.end);
            assertTrue(f.stderr.startsWith("vdisk: "), f.stderr);
            assertTrue(f.stderr.endsWith("none.vdisk: no such image file\n"), f.stderr);
            // the reader goes after one piece: the command ends without writing the rest
            Control.Output out = c
                .start(ExecControl.line(token, false, w.root(), new String[]{"cat",
                    "vm.vdisk"}));
            // a read too small for the end frame is refused, saying the least it may ask
            IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> out.read(ByteBuffer.allocate(ExecControl.MIN_READ - 1)));
            assertTrue(small.getMessage().contains(ExecControl.MIN_READ + " bytes or more"),
                small.getMessage());
            ByteBuffer b = ByteBuffer.allocate(4096);
            assertTrue(out.read(b) > 5);
            out.cancel();
            b.clear();
            int n;
            while ((n = out.read(b)) >= 0 && b.get(0) != 'e')
                b.clear();
            assertTrue(n > 0, "an end frame follows");
            String end = new String(b.array(), 5, b.position() - 5, StandardCharsets.UTF_8);
            assertEquals("exit 1", end);
        }
    }

    private record Frames(ByteArrayOutputStream stdout, String stderr, String end) {
    }

    private static Frames drain(Control.Output out, int readSize) throws Exception {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(readSize);
        while (true) {
            b.clear();
            int n = out.read(b);
            if (n < 0) throw new AssertionError("no end frame");
            assertEquals(n, b.position());
            int len = b.getInt(1);
            assertEquals(n, 5 + len);
            if (b.get(0) == 'e') {
                assertEquals(-1, out.read(b.clear()));
                return new Frames(stdout, stderr.toString(StandardCharsets.UTF_8), new String(b
                    .array(), 5, len, StandardCharsets.UTF_8));
            }
            if (b.get(0) == 'r') {
                stderr.write(b.array(), 5, len);
            } else {
                assertEquals('o', b.get(0));
                stdout.write(b.array(), 5, len);
            }
        }
    }

    private Env env() {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        return new Env(sink, sink, Clock.systemUTC(), ZoneOffset.UTC, false, dir, 2);
    }
}
