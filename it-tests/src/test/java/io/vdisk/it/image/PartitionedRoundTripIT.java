package io.vdisk.it.image;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Disks partitioned by sfdisk (MBR with a logical partition) and sgdisk (GPT). */
class PartitionedRoundTripIT {
    @TempDir
    Path tmp;
    Sh sh;

    @BeforeEach
    void setUp() throws Exception {
        sh = new Sh(tmp);
        sh.ok("init");
        sh.makeTree("src", "/usr/share/doc/[a-b]*");
        sh.sh("truncate -s 12M p1 && mke2fs -q -F -t ext4 -d src p1;"
            + " truncate -s 40M p2 && mkfs.fat -F 32 -s 1 p2 >/dev/null && mcopy -s -i p2 src/data ::/;"
            + " truncate -s 4M p5 && mke2fs -q -F -t ext2 -d src p5");
    }

    private void checkPartitions(String img, long... startsAndSectors) throws Exception {
        for (int i = 0; i < startsAndSectors.length; i += 2) {
            String part = "part" + i;
            sh.sh("dd if=" + img + " of=" + part + " bs=512 skip=" + startsAndSectors[i]
                + " count=" + startsAndSectors[i + 1] + " status=none");
            if (sh.sh("blkid -o value -s TYPE " + part + " || true").trim().equals("vfat")) {
                sh.sh("fsck.fat -n " + part + " >/dev/null && rm -rf b && mkdir b"
                    + " && mcopy -s -i " + part + " ::/data b/ && diff -r src/data b/data");
            } else {
                sh.sh("e2fsck -fn " + part + " >/dev/null && rm -rf b && mkdir b"
                    + " && debugfs -R 'rdump /data b' " + part + " >/dev/null 2>&1"
                    + " && diff -r src/data b/data");
            }
        }
    }

    @Test
    void mbrWithLogicalPartition() throws Exception {
        sh.sh(
            "truncate -s 80M disk.img && printf 'label: dos\\n2048,24576,83\\n,81920,c\\n,,5\\n,8192,83\\n'"
                + " | sfdisk -q disk.img"
                + " && dd if=p1 of=disk.img bs=512 seek=2048 conv=notrunc status=none"
                + " && dd if=p2 of=disk.img bs=512 seek=26624 conv=notrunc status=none"
                + " && dd if=p5 of=disk.img bs=512 seek=110592 conv=notrunc status=none");
        sh.ok("import", "disk.img", "disk.vdisk");
        String info = sh.ok("info", "disk.vdisk");
        assertTrue(info.contains("ext4") && info.contains("fat32") && info.contains("ext2"), info);
        sh.ok("export", "disk.vdisk", "out.img");
        checkPartitions("out.img", 2048, 24576, 26624, 81920, 110592, 8192);
        assertTrue(sh.referenced("disk.vdisk") < (80 << 20) / 4);
        sh.ok("import", "--exact", "disk.img", "exact.vdisk");
        sh.ok("export", "exact.vdisk", "exact.img");
        sh.sh("cmp disk.img exact.img");
    }

    @Test
    void gpt() throws Exception {
        sh.sh("truncate -s 64M disk.img && sgdisk -o -n 1:2048:+12M -t 1:8300 -n 2:0:+40M"
            + " -t 2:0700 disk.img >/dev/null");
        long s2 = Long.parseLong(sh.sh("sgdisk -i 2 disk.img | awk '/First sector/{print $3}'")
            .trim());
        sh.sh("dd if=p1 of=disk.img bs=512 seek=2048 conv=notrunc status=none && dd if=p2"
            + " of=disk.img bs=512 seek=" + s2 + " conv=notrunc status=none");
        sh.ok("import", "disk.img", "disk.vdisk");
        String info = sh.ok("info", "disk.vdisk");
        assertTrue(info.contains("ext4") && info.contains("fat32"), info);
        sh.ok("export", "disk.vdisk", "out.img");
        checkPartitions("out.img", 2048, 24576, s2, 81920);
        sh.ok("import", "--exact", "disk.img", "exact.vdisk");
        sh.ok("export", "exact.vdisk", "exact.img");
        sh.sh("cmp disk.img exact.img");
    }
}
