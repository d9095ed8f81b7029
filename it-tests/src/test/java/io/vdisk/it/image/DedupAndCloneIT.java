package io.vdisk.it.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blocks line up with file systems, so the same content dedups; clones cost nothing. */
class DedupAndCloneIT {
    @TempDir
    Path tmp;
    Sh sh;

    @BeforeEach
    void setUp() throws Exception {
        sh = new Sh(tmp);
        sh.ok("init");
        sh.makeTree("src", "/usr/share/doc/[a-f]*");
    }

    @Test
    void sameFileSystemAtTwoPartitionOffsets() throws Exception {
        sh.sh("truncate -s 24M fs.img && mke2fs -q -F -t ext4 -d src fs.img");
        for (int start : new int[]{2048, 6144}) {
            sh.sh("truncate -s 40M d" + start + ".img && printf 'label: dos\\n" + start
                + ",49152,83\\n' | sfdisk -q d" + start + ".img && dd if=fs.img of=d" + start
                + ".img bs=512 seek=" + start + " conv=notrunc status=none");
            sh.ok("import", "d" + start + ".img", "d" + start + ".vdisk");
        }
        assertTrue(sh.sharedPercent("d2048.vdisk") >= 95, sh.ok("stats"));
        assertTrue(sh.sharedPercent("d6144.vdisk") >= 95, sh.ok("stats"));
    }

    @Test
    void twoDisksFromTheSameTree() throws Exception {
        sh.sh("truncate -s 24M a.img b.img && mke2fs -q -F -t ext4 -d src a.img"
            + " && mke2fs -q -F -t ext4 -d src b.img && ! cmp -s a.img b.img");
        sh.ok("import", "a.img", "a.vdisk");
        sh.ok("import", "b.img", "b.vdisk");
        assertTrue(sh.sharedPercent("a.vdisk") >= 95, sh.ok("stats"));
        assertTrue(sh.sharedPercent("b.vdisk") >= 95, sh.ok("stats"));
    }

    @Test
    void cloneCostsNoBlocksAndKeepsHistoryAddressable() throws Exception {
        sh.sh("truncate -s 16M a.img && mke2fs -q -F -t ext4 -d src a.img");
        sh.ok("import", "-m", "first", "a.img", "a.vdisk");
        sh.sh("echo changed > src/data/new-file && truncate -s 16M b.img"
            + " && mke2fs -q -F -t ext4 -d src b.img");
        sh.ok("import", "-m", "second", "b.img", "a.vdisk");
        String before = sh.ok("stats").split("\n")[0];
        sh.ok("clone", "a.vdisk@1", "c.vdisk");
        assertEquals(before, sh.ok("stats").split("\n")[0], "a clone stores nothing");
        sh.ok("export", "c.vdisk", "c.img");
        sh.sh("cmp a.img c.img");
        sh.ok("export", "a.vdisk@0", "head.img");
        sh.sh("e2fsck -fn head.img >/dev/null");
        String log = sh.ok("log", "a.vdisk");
        assertEquals(3, log.trim().split("\n").length, log); // a header and two versions
        assertTrue(log.contains("second") && log.contains("first"), log);
        String score = log.trim().split("\n")[2].split("\\s+")[1];
        sh.ok("export", "a.vdisk@" + score, "byscore.img");
        sh.sh("cmp a.img byscore.img");
        sh.sh("test \"$(stat -c %b c.img)\" -lt \"$(( $(stat -c %s c.img) / 512 ))\"");
    }
}
