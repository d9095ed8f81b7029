package io.vdisk.ninep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real diod client tools ({@code diodls}, {@code diodcat}, Debian package diod) against
 * {@link NinePServer} serving a {@link MemoryFileServer}. What the tools send (libnpclient):
 * Tversion "9P2000.L" with msize 65536 unless {@code -m} is given; a Tauth first, whose Rlerror
 * ENOENT means "authentication not required"; then Tattach with an empty uname, n_uname = euid
 * (or {@code -u}) and the aname of {@code -a} (default "ctl", so the tests always pass one).
 * Skipped when the tools are not installed.
 */
class DiodToolsIT {
    private static final String ROOT = "/srv/mem";
    private static MemoryFileServer fs;
    private static NinePServer server;
    private static byte[] big;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(tool("diodcat") != null && tool("diodls") != null,
            "diodcat/diodls not installed (Debian package diod)");
        fs = new MemoryFileServer(ROOT);
        fs.put("hello.txt", "hello, diod\n".getBytes(StandardCharsets.UTF_8));
        fs.put("dir/inner.txt", "inner\n".getBytes(StandardCharsets.UTF_8));
        big = new byte[3 * 1048576 + 12345];
        new Random(1).nextBytes(big);
        fs.put("dir/big.bin", big);
        server = NinePServer.builder(fs).start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String tool(String name) {
        for (String dir : (System.getenv("PATH") + ":/usr/sbin:/sbin").split(":")) {
            File f = new File(dir, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    private String addr() {
        return "127.0.0.1:" + server.localAddress().getPort();
    }

    /** Runs a tool, stdout to a file; @return stdout bytes */
    private byte[] run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(Arrays.asList(args));
        cmd.set(0, tool(args[0]));
        Path out = tmp.resolve("out-" + System.nanoTime());
        Path err = tmp.resolve("err-" + System.nanoTime());
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
            .redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
        String stderr = Files.readString(err);
        assertEquals(0, p.exitValue(), cmd + " failed: " + stderr);
        return Files.readAllBytes(out);
    }

    @Test
    void diodlsListsTheTree() throws Exception {
        String root = new String(run("diodls", "-s", addr(), "-a", ROOT, "-t", "60"),
            StandardCharsets.UTF_8);
        assertTrue(root.contains("hello.txt") && root.contains("dir"), root);
        String dir = new String(run("diodls", "-s", addr(), "-a", "/", "-t", "60", "-l", "dir"),
            StandardCharsets.UTF_8);
        assertTrue(dir.contains("inner.txt") && dir.contains("big.bin"), dir);
        assertTrue(dir.contains(Integer.toString(big.length)), dir);
    }

    @Test
    void diodcatReadsSmallAndLargeFilesWithDefaultMsize() throws Exception {
        assertEquals("hello, diod\n", new String(run("diodcat", "-s", addr(), "-a", ROOT, "-t",
            "60", "hello.txt"), StandardCharsets.UTF_8));
        assertArrayEquals(big, run("diodcat", "-s", addr(), "-a", ROOT, "-t", "60",
            "dir/big.bin"));
    }

    @Test
    void diodcatReadsWithOneMebibyteMsizeAndAnotherUid() throws Exception {
        assertArrayEquals(big, run("diodcat", "-s", addr(), "-a", "", "-m", "1048576", "-u",
            "65534", "-t", "60", "dir/big.bin"));
    }
}
