package io.vdisk.image.layout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The MBR partition table, with extended partitions and their chain of EBRs. Sector 0:
 *
 * <pre>
 * | offset | size | field                                              |
 * |--------|------|----------------------------------------------------|
 * | 0      | 446  | boot code                                          |
 * | 446    | 64   | four entries of 16 bytes, see below                |
 * | 510    | 2    | signature 0x55 0xaa                                |
 * </pre>
 *
 * Entry: status (1, 0x00 or 0x80), CHS start (3), type (1), CHS end (3), first LBA (4, LE),
 * sector count (4, LE). Sectors are 512 bytes. An extended partition (types 0x05, 0x0f, 0x85)
 * holds a chain of EBRs, each an MBR-shaped sector whose first entry is a logical partition
 * relative to the EBR and whose second entry points to the next EBR, relative to the start of the
 * extended partition. Thread-safe (stateless).
 */
final class Mbr {
    static final int SECTOR = 512;
    static final int ENTRIES_OFFSET = 446;
    static final int ENTRY_SIZE = 16;
    static final int SIGNATURE_OFFSET = 510;
    static final int STATUS_OFFSET = 0;
    static final int TYPE_OFFSET = 4;
    static final int LBA_OFFSET = 8;
    static final int COUNT_OFFSET = 12;
    static final int TYPE_GPT_PROTECTIVE = 0xee;
    private static final int MAX_LOGICAL = 128;

    private Mbr() {
    }

    static boolean hasSignature(byte[] sector) {
        return Le.u8(sector, SIGNATURE_OFFSET) == 0x55
            && Le.u8(sector, SIGNATURE_OFFSET + 1) == 0xaa;
    }

    static boolean isExtended(int type) {
        return type == 0x05 || type == 0x0f || type == 0x85;
    }

    static int type(byte[] sector, int slot) {
        return Le.u8(sector, ENTRIES_OFFSET + slot * ENTRY_SIZE + TYPE_OFFSET);
    }

    /**
     * True if sector 0 looks like an MBR: signature, status bytes 0x00/0x80, and at least one
     * non-empty entry.
     */
    static boolean looksLikeMbr(byte[] sector) {
        if (!hasSignature(sector))
            return false;
        boolean any = false;
        for (int i = 0; i < 4; i++) {
            int e = ENTRIES_OFFSET + i * ENTRY_SIZE;
            int status = Le.u8(sector, e + STATUS_OFFSET);
            if (status != 0 && status != 0x80)
                return false;
            if (Le.u8(sector, e + TYPE_OFFSET) != 0 && Le.u32(sector, e + COUNT_OFFSET) != 0)
                any = true;
        }
        return any;
    }

    /** The data partitions (primaries and logicals; extended containers excluded). */
    static List<Partition> read(Disk disk, Consumer<String> warn) throws IOException {
        byte[] s0 = disk.readPadded(0, SECTOR);
        List<Partition> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int e = ENTRIES_OFFSET + i * ENTRY_SIZE;
            int type = Le.u8(s0, e + TYPE_OFFSET);
            long lba = Le.u32(s0, e + LBA_OFFSET);
            long count = Le.u32(s0, e + COUNT_OFFSET);
            if (type == 0 || count == 0)
                continue;
            if (isExtended(type)) {
                readLogicals(disk, lba, count, out, warn);
            } else {
                out.add(new Partition(i + 1, lba * SECTOR, count * SECTOR, hex(type)));
            }
        }
        return out;
    }

    private static void readLogicals(Disk disk, long extStart, long extCount, List<Partition> out,
        Consumer<String> warn) throws IOException {
        long ebr = extStart;
        Set<Long> seen = new HashSet<>();
        int number = 5;
        while (true) {
            long at = ebr * SECTOR;
            if (!seen.add(ebr) || number - 5 >= MAX_LOGICAL)
                throw new LayoutCheckException("MBR: EBR chain loops at offset " + at);
            if (at + SECTOR > disk.size())
                throw new LayoutCheckException("MBR: EBR at offset " + at
                    + " lies past the end of the disk (" + disk.size() + " bytes)");
            byte[] s = disk.readPadded(at, SECTOR);
            if (!hasSignature(s))
                throw new LayoutCheckException("MBR: EBR at offset " + at + " has no 0x55aa "
                    + "signature");
            int e0 = ENTRIES_OFFSET;
            int t0 = Le.u8(s, e0 + TYPE_OFFSET);
            long c0 = Le.u32(s, e0 + COUNT_OFFSET);
            if (t0 != 0 && c0 != 0) {
                long start = ebr + Le.u32(s, e0 + LBA_OFFSET);
                if (start + c0 > extStart + extCount)
                    throw new LayoutCheckException("MBR: logical partition " + number
                        + " (EBR at offset " + at + ") runs past its extended partition");
                out.add(new Partition(number, start * SECTOR, c0 * SECTOR, hex(t0)));
            }
            number++;
            int e1 = ENTRIES_OFFSET + ENTRY_SIZE;
            if (!isExtended(Le.u8(s, e1 + TYPE_OFFSET)) || Le.u32(s, e1 + COUNT_OFFSET) == 0)
                return;
            long next = Le.u32(s, e1 + LBA_OFFSET);
            if (next == 0 || next >= extCount)
                throw new LayoutCheckException("MBR: EBR at offset " + at
                    + " links outside its extended partition");
            ebr = extStart + next;
        }
    }

    private static String hex(int type) {
        return String.format("0x%02x", type);
    }
}
