package io.vdisk.image.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.image.Content;
import io.vdisk.image.Region;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per layout rule, on synthetic disks built byte by byte. */
class LayoutPlannerTest {
    private final List<String> warnings = new ArrayList<>();

    private List<Region> plan(byte[] disk) throws Exception {
        List<Region> r = new LayoutPlanner(4096, false).plan(Disk.of(disk), warnings::add);
        long pos = 0;
        for (Region x : r) {
            assertEquals(pos, x.offset(), "regions are contiguous");
            pos = x.end();
        }
        assertEquals(disk.length, pos, "regions cover the disk");
        return r;
    }

    static void put16(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }

    static void put32(byte[] b, int at, long v) {
        Le.put32(b, at, v);
    }

    static void put64(byte[] b, int at, long v) {
        put32(b, at, v);
        put32(b, at + 4, v >>> 32);
    }

    static void mbrEntry(byte[] b, long sectorBase, int slot, int type, long lba, long count) {
        int e = (int) (sectorBase * 512) + 446 + slot * 16;
        b[e + 4] = (byte) type;
        put32(b, e + 8, lba);
        put32(b, e + 12, count);
        b[(int) (sectorBase * 512) + 510] = 0x55;
        b[(int) (sectorBase * 512) + 511] = (byte) 0xaa;
    }

    /** A 64 KiB ext2 with 1 KiB blocks, one group, blocks 1..6 and 10 in use. */
    static void ext2(byte[] b, int at) {
        int sb = at + 1024;
        put32(b, sb + ExtFs.BLOCKS_COUNT_OFFSET, 64);
        put32(b, sb + ExtFs.FIRST_DATA_BLOCK_OFFSET, 1);
        put32(b, sb + ExtFs.BLOCKS_PER_GROUP_OFFSET, 8192);
        put32(b, sb + ExtFs.INODES_PER_GROUP_OFFSET, 16);
        put16(b, sb + ExtFs.MAGIC_OFFSET, ExtFs.MAGIC);
        put16(b, sb + ExtFs.STATE_OFFSET, 1);
        put16(b, sb + ExtFs.INODE_SIZE_OFFSET, 128);
        int gd = at + 2 * 1024;
        put32(b, gd + ExtFs.BG_BLOCK_BITMAP_OFFSET, 3);
        put32(b, gd + ExtFs.BG_INODE_BITMAP_OFFSET, 4);
        put32(b, gd + ExtFs.BG_INODE_TABLE_OFFSET, 5);
        put16(b, gd + ExtFs.BG_FREE_BLOCKS_OFFSET, 63 - 7);
        b[at + 3 * 1024] = 0x3f; // blocks 1..6
        b[at + 3 * 1024 + 1] = 0x02; // block 10
        for (int i = 20 * 1024; i < 64 * 1024; i++)
            b[at + i] = (byte) 0xee; // junk in free blocks
    }

    @Test
    void bareExt2ElidesFreeBlocks() throws Exception {
        byte[] d = new byte[64 << 10];
        ext2(d, 0);
        List<Region> r = plan(d);
        assertEquals(1, r.size());
        assertEquals(1024, r.get(0).blockSize());
        assertEquals(Content.EXT2, r.get(0).content());
        assertTrue(r.get(0).keep().test(0) && r.get(0).keep().test(6) && r.get(0).keep().test(10));
        assertFalse(r.get(0).keep().test(7) || r.get(0).keep().test(30));
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void extFreeCountMismatchFallsBackToRaw() throws Exception {
        byte[] d = new byte[64 << 10];
        ext2(d, 0);
        put16(d, 2048 + ExtFs.BG_FREE_BLOCKS_OFFSET, 3);
        List<Region> r = plan(d);
        assertEquals(Content.RAW, r.get(0).content());
        assertTrue(warnings.get(0).contains("free blocks"), warnings.toString());
    }

    @Test
    void extBadBlockSizeFallsBackToRaw() throws Exception {
        byte[] d = new byte[64 << 10];
        ext2(d, 0);
        put32(d, 1024 + ExtFs.LOG_BLOCK_SIZE_OFFSET, 9);
        assertEquals(Content.RAW, plan(d).get(0).content());
        assertTrue(warnings.get(0).contains("log block size"), warnings.toString());
    }

    @Test
    void extLargerThanItsPartitionIsTruncated() throws Exception {
        byte[] d = new byte[64 << 10];
        ext2(d, 0);
        byte[] cut = java.util.Arrays.copyOf(d, 40 << 10);
        assertEquals(Content.RAW, plan(cut).get(0).content());
        assertTrue(warnings.get(0).contains("truncated"), warnings.toString());
    }

    @Test
    void uncleanExtKeepsEveryBlock() throws Exception {
        byte[] d = new byte[64 << 10];
        ext2(d, 0);
        put16(d, 1024 + ExtFs.STATE_OFFSET, 0);
        Region r = plan(d).get(0);
        assertEquals(Content.EXT2, r.content());
        assertTrue(r.keep().test(30));
        assertTrue(warnings.get(0).contains("cleanly"), warnings.toString());
    }

    @Test
    void mbrWithLogicalPartitions() throws Exception {
        byte[] d = new byte[1 << 20];
        mbrEntry(d, 0, 0, 0x83, 64, 128); // p1: 32 KiB .. 96 KiB
        mbrEntry(d, 0, 1, 0x05, 512, 1024); // extended: 256 KiB .. 768 KiB
        mbrEntry(d, 512, 0, 0x83, 2, 128); // p5 at 257 KiB
        mbrEntry(d, 512, 1, 0x05, 256, 300); // next EBR at extended + 128 KiB
        mbrEntry(d, 768, 0, 0x83, 8, 128); // p6 at 388 KiB
        ext2(d, 514 * 512);
        List<Region> r = plan(d);
        List<Integer> parts = r.stream().map(Region::partition).filter(p -> p != 0).toList();
        assertEquals(List.of(1, 5, 6), parts);
        Region p5 = r.stream().filter(x -> x.partition() == 5).findFirst().orElseThrow();
        assertEquals(514 * 512, p5.offset());
        assertEquals(Content.EXT2, p5.content());
    }

    @Test
    void ebrLoopFallsBackToRaw() throws Exception {
        byte[] d = new byte[1 << 20];
        mbrEntry(d, 0, 0, 0x05, 512, 1024);
        mbrEntry(d, 512, 0, 0x83, 2, 8);
        mbrEntry(d, 512, 1, 0x05, 0 + 1, 8);
        mbrEntry(d, 513, 0, 0x83, 2, 8);
        mbrEntry(d, 513, 1, 0x05, 1, 8); // points to itself
        List<Region> r = plan(d);
        assertEquals(1, r.size());
        assertTrue(warnings.get(0).contains("loops"), warnings.toString());
    }

    @Test
    void overlappingPartitionsFallBackToRaw() throws Exception {
        byte[] d = new byte[1 << 20];
        mbrEntry(d, 0, 0, 0x83, 64, 128);
        mbrEntry(d, 0, 1, 0x83, 100, 128);
        assertEquals(1, plan(d).size());
        assertTrue(warnings.get(0).contains("overlap"), warnings.toString());
    }

    @Test
    void partitionPastTheEndIsClippedWithAWarning() throws Exception {
        byte[] d = new byte[1 << 20];
        mbrEntry(d, 0, 0, 0x83, 1024, 4096);
        List<Region> r = plan(d);
        assertEquals(512 << 10, r.get(1).length());
        assertTrue(warnings.get(0).contains("truncated"), warnings.toString());
    }

    /** A GPT on a 1 MiB disk with one partition at LBA 64..191 and correct CRCs. */
    static byte[] gpt() {
        byte[] d = new byte[1 << 20];
        mbrEntry(d, 0, 0, 0xee, 1, 2047);
        long last = d.length / 512 - 1;
        byte[] entries = new byte[128 * 128];
        put64(entries, 0, 0x0fc63daf8483477L);
        put64(entries, 8, 0x8e793d69d8477de4L);
        put64(entries, 32, 64);
        put64(entries, 40, 191);
        System.arraycopy(entries, 0, d, 2 * 512, entries.length);
        System.arraycopy(entries, 0, d, (int) (last - 32) * 512, entries.length);
        header(d, 1, last, 2, entries);
        header(d, last, 1, last - 32, entries);
        return d;
    }

    static void header(byte[] d, long lba, long alt, long entriesLba, byte[] entries) {
        int h = (int) lba * 512;
        System.arraycopy("EFI PART".getBytes(), 0, d, h, 8);
        put32(d, h + 8, 0x10000);
        put32(d, h + Gpt.HEADER_SIZE_OFFSET, 92);
        put64(d, h + Gpt.MY_LBA_OFFSET, lba);
        put64(d, h + Gpt.ALTERNATE_LBA_OFFSET, alt);
        put64(d, h + Gpt.FIRST_USABLE_OFFSET, 34);
        put64(d, h + Gpt.LAST_USABLE_OFFSET, d.length / 512 - 34);
        put64(d, h + Gpt.ENTRIES_LBA_OFFSET, entriesLba);
        put32(d, h + Gpt.ENTRY_COUNT_OFFSET, 128);
        put32(d, h + Gpt.ENTRY_SIZE_OFFSET, 128);
        put32(d, h + Gpt.ENTRIES_CRC_OFFSET, Gpt.crc(entries, 0, entries.length));
        put32(d, h + Gpt.HEADER_CRC_OFFSET, Gpt.crc(d, h, 92));
    }

    @Test
    void gptPartitionsAreFound() throws Exception {
        byte[] d = gpt();
        ext2(d, 64 * 512);
        List<Region> r = plan(d);
        assertEquals(3, r.size());
        assertEquals(64 * 512, r.get(1).offset());
        assertEquals(Content.EXT2, r.get(1).content());
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void gptBadPrimaryCrcUsesTheBackup() throws Exception {
        byte[] d = gpt();
        d[512 + 40] ^= 1;
        assertEquals(3, plan(d).size());
        assertTrue(warnings.get(0).contains("CRC32") && warnings.get(0).contains("backup"),
            warnings.toString());
    }

    @Test
    void gptBadEntryCrcInBothCopiesIsRaw() throws Exception {
        byte[] d = gpt();
        d[2 * 512 + 33] ^= 1;
        d[(d.length / 512 - 33) * 512 + 33] ^= 1;
        assertEquals(1, plan(d).size());
        assertTrue(warnings.get(0).contains("entry array CRC32"), warnings.toString());
    }

    /** A FAT12 volume of 512 sectors, 1 sector per cluster, clusters 2..4 in use. */
    static byte[] fat12() {
        byte[] d = new byte[512 * 512];
        d[0] = (byte) 0xeb;
        d[2] = (byte) 0x90;
        put16(d, FatFs.BYTES_PER_SECTOR_OFFSET, 512);
        d[FatFs.SECTORS_PER_CLUSTER_OFFSET] = 1;
        put16(d, FatFs.RESERVED_SECTORS_OFFSET, 1);
        d[FatFs.FAT_COUNT_OFFSET] = 1;
        put16(d, FatFs.ROOT_ENTRIES_OFFSET, 16);
        put16(d, FatFs.TOTAL_SECTORS16_OFFSET, 512);
        put16(d, FatFs.FAT_SIZE16_OFFSET, 2);
        d[510] = 0x55;
        d[511] = (byte) 0xaa;
        // FAT at sector 1: entries 0,1 reserved; 2 -> 3 -> 4 -> EOC.
        int f = 512;
        setFat12(d, f, 0, 0xff8);
        setFat12(d, f, 1, 0xfff);
        setFat12(d, f, 2, 3);
        setFat12(d, f, 3, 4);
        setFat12(d, f, 4, 0xfff);
        return d;
    }

    static void setFat12(byte[] d, int fat, int c, int v) {
        int at = fat + c * 3 / 2;
        int old = d[at] & 0xff | (d[at + 1] & 0xff) << 8;
        int n = (c & 1) == 0 ? old & 0xf000 | v : old & 0x000f | v << 4;
        d[at] = (byte) n;
        d[at + 1] = (byte) (n >>> 8);
    }

    @Test
    void fat12ClustersAndFreeClusters() throws Exception {
        List<Region> r = plan(fat12());
        assertEquals(2, r.size());
        assertEquals(4 * 512, r.get(1).offset(), "data starts after boot, FAT and root dir");
        assertEquals(512, r.get(1).blockSize());
        assertEquals(Content.FAT12, r.get(1).content());
        assertTrue(r.get(1).keep().test(0) && r.get(1).keep().test(2));
        assertFalse(r.get(1).keep().test(3));
    }

    @Test
    void fatEntryPastTheEndFallsBackToRaw() throws Exception {
        byte[] d = fat12();
        setFat12(d, 512, 5, 0xff0);
        List<Region> r = plan(d);
        assertEquals(Content.RAW, r.get(0).content());
        assertTrue(warnings.get(0).contains("past the last cluster"), warnings.toString());
    }

    @Test
    void fatLargerThanTheDiskIsTruncated() throws Exception {
        byte[] d = java.util.Arrays.copyOf(fat12(), 300 * 512);
        assertEquals(Content.RAW, plan(d).get(0).content());
        assertTrue(warnings.get(0).contains("truncated"), warnings.toString());
    }

    @Test
    void unknownContentIsRawWithAWarning() throws Exception {
        byte[] d = new byte[100_000];
        d[5] = 1;
        List<Region> r = plan(d);
        assertEquals(1, r.size());
        assertEquals(4096, r.get(0).blockSize());
        assertEquals(1, warnings.size());
    }

    @Test
    void exactKeepsEveryBlock() throws Exception {
        byte[] d = new byte[64 << 10];
        ext2(d, 0);
        Region r = new LayoutPlanner(4096, true).plan(Disk.of(d), warnings::add).get(0);
        assertEquals(1024, r.blockSize());
        assertTrue(r.keep().test(30));
    }
}
