package io.vdisk.image.layout;

import io.vdisk.image.Content;
import io.vdisk.image.Region;
import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * FAT12/16/32: the cluster size, and the clusters the FAT marks in use. Boot sector fields used
 * (little-endian):
 *
 * <pre>
 * | offset | size | field                                              |
 * |--------|------|----------------------------------------------------|
 * | 0      | 3    | jump: 0xeb ?? 0x90 or 0xe9 ?? ??                   |
 * | 11     | 2    | bytes per sector (512, 1024, 2048, 4096)           |
 * | 13     | 1    | sectors per cluster (1, 2, 4 .. 128)               |
 * | 14     | 2    | reserved sectors (at least 1)                      |
 * | 16     | 1    | number of FATs (1 or 2)                            |
 * | 17     | 2    | root directory entries (0 on FAT32)                |
 * | 19     | 2    | total sectors (0: use the 32-bit field)            |
 * | 22     | 2    | sectors per FAT (0 on FAT32: use the 32-bit field) |
 * | 32     | 4    | total sectors, 32-bit                              |
 * | 36     | 4    | sectors per FAT, FAT32                             |
 * | 510    | 2    | signature 0x55 0xaa                                |
 * </pre>
 *
 * The type follows from the cluster count (under 4085 FAT12, under 65525 FAT16, else FAT32).
 * The volume becomes two regions: the reserved sectors, FATs and root directory stored raw, then
 * the data area in cluster-sized blocks aligned to cluster 2, free clusters (FAT entry 0) elided.
 * An entry naming a cluster past the end of the volume fails the check. Thread-safe (stateless).
 */
final class FatFs {
    static final int BYTES_PER_SECTOR_OFFSET = 11;
    static final int SECTORS_PER_CLUSTER_OFFSET = 13;
    static final int RESERVED_SECTORS_OFFSET = 14;
    static final int FAT_COUNT_OFFSET = 16;
    static final int ROOT_ENTRIES_OFFSET = 17;
    static final int TOTAL_SECTORS16_OFFSET = 19;
    static final int FAT_SIZE16_OFFSET = 22;
    static final int TOTAL_SECTORS32_OFFSET = 32;
    static final int FAT_SIZE32_OFFSET = 36;

    private FatFs() {
    }

    /** True if the first sector is a plausible FAT boot sector. */
    static boolean matches(Disk disk, long offset, long length) throws IOException {
        if (length < 512)
            return false;
        byte[] b = disk.readPadded(offset, 512);
        boolean jump = (b[0] & 0xff) == 0xeb && (b[2] & 0xff) == 0x90 || (b[0] & 0xff) == 0xe9;
        int bps = Le.u16(b, BYTES_PER_SECTOR_OFFSET);
        int spc = Le.u8(b, SECTORS_PER_CLUSTER_OFFSET);
        return jump && Mbr.hasSignature(b) && (bps == 512 || bps == 1024 || bps == 2048
            || bps == 4096) && spc > 0 && spc <= 128 && Integer.bitCount(spc) == 1;
    }

    static List<Region> plan(Disk disk, long offset, long length, int partition,
        Consumer<String> warn) throws IOException {
        String where = "FAT boot sector at offset " + offset;
        byte[] b = disk.readPadded(offset, 512);
        int bps = Le.u16(b, BYTES_PER_SECTOR_OFFSET);
        int spc = Le.u8(b, SECTORS_PER_CLUSTER_OFFSET);
        int reserved = Le.u16(b, RESERVED_SECTORS_OFFSET);
        int fats = Le.u8(b, FAT_COUNT_OFFSET);
        int rootEntries = Le.u16(b, ROOT_ENTRIES_OFFSET);
        long total = Le.u16(b, TOTAL_SECTORS16_OFFSET);
        if (total == 0)
            total = Le.u32(b, TOTAL_SECTORS32_OFFSET);
        long fatSize = Le.u16(b, FAT_SIZE16_OFFSET);
        if (fatSize == 0)
            fatSize = Le.u32(b, FAT_SIZE32_OFFSET);
        if (reserved < 1 || fats < 1 || fats > 2 || fatSize == 0 || total == 0)
            throw new LayoutCheckException(where + ": " + reserved + " reserved sectors, " + fats
                + " FATs of " + fatSize + " sectors, " + total + " sectors");
        if (total * bps > length)
            throw new LayoutCheckException(where + ": the volume has " + total + " sectors of "
                + bps + " bytes but the partition holds " + length + " bytes (truncated image?)");
        long rootSectors = ((long) rootEntries * 32 + bps - 1) / bps;
        long dataStart = reserved + fats * fatSize + rootSectors;
        if (dataStart >= total)
            throw new LayoutCheckException(where + ": the data area starts at sector " + dataStart
                + ", past the " + total + " sectors of the volume");
        long clusters = (total - dataStart) / spc;
        if (clusters < 1 || clusters > 0x0ffffff5L)
            throw new LayoutCheckException(where + ": " + clusters + " clusters");
        Content type = clusters < 4085
            ? Content.FAT12
            : clusters < 65525
                ? Content.FAT16
                : Content.FAT32;
        long fatBytes = fatSize * bps;
        long needed = type == Content.FAT12
            ? ((clusters + 2) * 3 + 1) / 2
            : (clusters + 2) * (type == Content.FAT16 ? 2 : 4);
        if (needed > fatBytes)
            throw new LayoutCheckException(where + ": a FAT of " + fatBytes + " bytes cannot map "
                + clusters + " clusters");
        if (fatBytes > 64 << 20)
            throw new LayoutCheckException(where + ": FAT of " + fatBytes + " bytes");
        BitSet used = new BitSet();
        for (int f = 0; f < fats; f++) {
            long fatAt = offset + (reserved + f * fatSize) * (long) bps;
            byte[] fat = disk.readPadded(fatAt, (int) needed);
            for (long c = 2; c < clusters + 2; c++) {
                long v = entry(fat, type, c);
                if (v == 0)
                    continue;
                long max = type == Content.FAT12
                    ? 0xff7
                    : type == Content.FAT16
                        ? 0xfff7
                        : 0x0ffffff7L;
                if (v == 1 || v >= clusters + 2 && v < max)
                    throw new LayoutCheckException("FAT " + (f + 1) + " at offset " + fatAt
                        + ": entry of cluster " + c + " points to cluster " + v
                        + ", past the last cluster " + (clusters + 1));
                // Either copy saying "in use" keeps the cluster.
                used.set((int) (c - 2));
            }
        }
        int cluster = spc * bps;
        long dataOff = dataStart * bps;
        long count = clusters;
        String note = type.label() + ", " + cluster + "-byte clusters, " + used.cardinality()
            + " of " + clusters + " in use";
        return List.of(new Region(offset, dataOff, 4096, type, partition, Region.ALL, type.label()
            + " metadata"), new Region(offset + dataOff, length - dataOff, cluster, type,
                partition, i -> i >= count || used.get((int) i), note));
    }

    private static long entry(byte[] fat, Content type, long c) {
        if (type == Content.FAT12) {
            int at = (int) (c * 3 / 2);
            int v = Le.u16(fat, at);
            return (c & 1) == 0 ? v & 0xfff : v >>> 4;
        }
        if (type == Content.FAT16)
            return Le.u16(fat, (int) (c * 2));
        return Le.u32(fat, (int) (c * 4)) & 0x0fffffffL;
    }
}
