package io.vdisk.it.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets one line and exit 1, or a raw fallback with a warning whose export is still the
 * exact input: never a stack trace, never a wrong image.
 */
class BadInputIT {
    @TempDir
    Path tmp;
    Sh sh;

    @BeforeEach
    void setUp() throws Exception {
        sh = new Sh(tmp);
        sh.ok("init");
        sh.makeTree("src", "/usr/share/doc/[a-b]*");
    }

    private static void oneLine(Sh.Result r, int code, String contains) {
        assertEquals(code, r.code(), r.err());
        assertEquals(1, r.err().strip().split("\n").length, r.err());
        assertTrue(r.err().contains(contains), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    /** Imports with a warning and exports the input back byte for byte. */
    private void warnsAndRoundTrips(String img, String warning) throws Exception {
        Sh.Result r = sh.vdisk("import", img, "x.vdisk");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning") && r.err().contains(warning), r.err());
        sh.ok("export", "x.vdisk", "x.out");
        sh.sh("cmp " + img + " x.out");
    }

    @Test
    void truncatedImage() throws Exception {
        sh.sh("truncate -s 16M fs.img && mke2fs -q -F -t ext4 -d src fs.img"
            + " && head -c 9000000 fs.img > cut.img");
        warnsAndRoundTrips("cut.img", "truncated");
    }

    @Test
    void corruptSuperblock() throws Exception {
        sh.sh("truncate -s 16M fs.img && mke2fs -q -F -t ext4 -d src fs.img"
            + " && printf '\\x07' | dd of=fs.img bs=1 seek=$((1024 + 0x18)) conv=notrunc status=none");
        warnsAndRoundTrips("fs.img", "ext superblock");
    }

    @Test
    void gptWithBadCrcs() throws Exception {
        sh.sh("truncate -s 32M d.img && sgdisk -o -n 1:2048:+8M d.img >/dev/null"
            + " && printf '\\xff' | dd of=d.img bs=1 seek=$((512 + 20)) conv=notrunc status=none");
        warnsAndRoundTrips("d.img", "using the backup");
        sh.sh("printf '\\xff' | dd of=d.img bs=1 seek=$((32 * 1048576 - 512 + 20)) conv=notrunc"
            + " status=none");
        warnsAndRoundTrips("d.img", "storing the whole disk raw");
    }

    @Test
    void fatEntryPastTheEnd() throws Exception {
        // FAT16 entry of cluster 5 set to 0xfff0, beyond the last cluster of a 16 MiB volume.
        sh.sh("truncate -s 16M f.img && mkfs.fat -F 16 -s 4 f.img >/dev/null && mcopy -s -i f.img"
            + " src/data ::/ && fat=$(( $(od -An -tu2 -j14 -N2 f.img) * 512 ))"
            + " && printf '\\xf0\\xff' | dd of=f.img bs=1 seek=$((fat + 10)) conv=notrunc status=none");
        warnsAndRoundTrips("f.img", "past the last cluster");
    }

    @Test
    void missingPathAndGarbagePointerFile() throws Exception {
        oneLine(sh.vdisk("import", "nope.img", "x.vdisk"), 1, "nope.img");
        oneLine(sh.vdisk("info", "nope.vdisk"), 1, "nope.vdisk");
        sh.sh("echo 'vdisk:not-a-score' > g.vdisk");
        oneLine(sh.vdisk("export", "g.vdisk", "o.img"), 1, "g.vdisk");
        sh.sh("head -c 100 /dev/urandom > r.vdisk");
        oneLine(sh.vdisk("cat", "r.vdisk"), 1, "r.vdisk");
        sh.sh("printf 'vdisk:%040d\\n' 7 > z.vdisk");
        oneLine(sh.vdisk("info", "z.vdisk"), 1, "no root block");
        oneLine(sh.vdisk("info", "a.vdisk", "--nope"), 2, "--nope");
    }

    /**
     * A byte flipped in the middle of the store's arena, where the file system's data lies in
     * frames: verify names the arena and the record's offset and exits 1, and an export or a
     * cat that reaches the block stops with one line naming them too.
     */
    @Test
    void aFlippedByteInTheArenaIsNamedWithItsOffset() throws Exception {
        sh.sh("truncate -s 16M fs.img && mke2fs -q -F -t ext4 -d src fs.img");
        sh.ok("import", "fs.img", "x.vdisk");
        sh.ok("verify");
        Path arena = tmp.resolve(".vdisk/store/arena-000000.vda");
        long at = Files.size(arena) / 2;
        try (RandomAccessFile f = new RandomAccessFile(arena.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
        String where = "arena-000000.vda offset ";
        Sh.Result v = sh.vdisk("verify");
        assertEquals(1, v.code(), v.err());
        assertTrue(v.err().contains(where), v.err());
        assertFalse(v.err().contains("\tat "), v.err());
        // the offset named is the damaged record's: at most 256 KiB and its table before the byte
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("offset (\\d+)")
            .matcher(v.err());
        assertTrue(m.find(), v.err());
        long named = Long.parseLong(m.group(1));
        assertTrue(named <= at && at - named < 300 << 10, named + " for a byte at " + at);
        // an export that fails leaves no partial image, and an earlier one as it was
        oneLine(sh.vdisk("export", "x.vdisk", "o.img"), 1, where + named);
        assertFalse(Files.exists(tmp.resolve("o.img")));
        Files.writeString(tmp.resolve("o.img"), "an earlier export");
        oneLine(sh.vdisk("export", "x.vdisk", "o.img"), 1, where + named);
        assertEquals("an earlier export", Files.readString(tmp.resolve("o.img")));
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString())
                .filter(n -> n.contains(".tmp-")).toList());
        }
        oneLine(sh.vdisk("cat", "x.vdisk"), 1, where + named);
    }

    @Test
    void serveOnABusyPortSaysWhichAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String addr = "127.0.0.1:" + taken.getLocalPort();
            Sh.Result r = sh.vdisk("serve", "--9p", addr, "--nbd", "off", ".");
            assertEquals(1, r.code(), r.err());
            // the server logs its shutdown; the error itself is the last line
            String[] lines = r.err().strip().split("\n");
            String last = lines[lines.length - 1];
            assertTrue(last.startsWith("vdisk: ") && last.contains(addr), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }
}
