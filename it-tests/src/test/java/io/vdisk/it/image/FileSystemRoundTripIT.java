package io.vdisk.it.image;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bare file systems made by mke2fs and mkfs.fat, imported and exported: --exact is byte-identical;
 * the default passes fsck, gives every file back, and stores about the used bytes only.
 */
class FileSystemRoundTripIT {
    @TempDir
    Path tmp;
    Sh sh;

    @BeforeEach
    void setUp() throws Exception {
        sh = new Sh(tmp);
        sh.ok("init");
        sh.makeTree("src", "/usr/share/doc/[a-c]*");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext3", "ext4"})
    void ext(String type) throws Exception {
        sh.sh("truncate -s 32M fs.img && mke2fs -q -F -t " + type + " -d src fs.img");
        sh.ok("import", "fs.img", "fs.vdisk");
        sh.ok("export", "fs.vdisk", "out.img");
        sh.sh("e2fsck -fn out.img >/dev/null");
        sh.sh(
            "mkdir -p back; debugfs -R 'rdump /data back' out.img >/dev/null 2>&1; diff -r src/data back/data");
        long used = Long.parseLong(sh.sh("du -sb src | cut -f1").trim());
        long ref = sh.referenced("fs.vdisk");
        assertTrue(ref < used * 2 + (4 << 20), "referenced " + ref + " vs used " + used);
        assertTrue(ref < (32 << 20) / 3, "free blocks must not be stored: " + ref);
        sh.ok("import", "--exact", "fs.img", "exact.vdisk");
        sh.ok("export", "exact.vdisk", "exact.img");
        sh.sh("cmp fs.img exact.img");
        sh.ok("verify");
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 32})
    void fat(int bits) throws Exception {
        sh.sh("truncate -s 64M fs.img && mkfs.fat -F " + bits + " fs.img >/dev/null"
            + " && mcopy -s -i fs.img src/data ::/");
        sh.ok("import", "fs.img", "fs.vdisk");
        sh.ok("export", "fs.vdisk", "out.img");
        sh.sh("fsck.fat -n out.img >/dev/null");
        sh.sh("mkdir back && mcopy -s -i out.img ::/data back/ && diff -r src/data back/data");
        assertTrue(sh.referenced("fs.vdisk") < (64 << 20) / 4, "free clusters must not be stored");
        sh.ok("import", "--exact", "fs.img", "exact.vdisk");
        sh.ok("export", "exact.vdisk", "exact.img");
        sh.sh("cmp fs.img exact.img");
    }
}
