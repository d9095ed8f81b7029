package io.vdisk.image.layout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * The GUID partition table: a protective MBR, a header at LBA 1 and its backup at the last LBA,
 * each with a CRC32 over the header and one over the partition entry array.
 *
 * <pre>
 * | offset | size | header field                                     |
 * |--------|------|--------------------------------------------------|
 * | 0      | 8    | signature "EFI PART"                             |
 * | 8      | 4    | revision (0x00010000)                            |
 * | 12     | 4    | header size (92 .. sector size)                  |
 * | 16     | 4    | CRC32 of the header with this field zeroed       |
 * | 24     | 8    | LBA of this header                               |
 * | 32     | 8    | LBA of the other header                          |
 * | 40     | 8    | first usable LBA                                 |
 * | 48     | 8    | last usable LBA                                  |
 * | 72     | 8    | LBA of the partition entry array                 |
 * | 80     | 4    | number of entries                                |
 * | 84     | 4    | entry size (128 × 2^n)                            |
 * | 88     | 4    | CRC32 of the entry array                         |
 * </pre>
 *
 * Entry: type GUID (16, all zero = unused), unique GUID (16), first LBA (8), last LBA (8,
 * inclusive), attributes (8), name (72, UTF-16LE). All little-endian. Sectors of 512 bytes are
 * tried first, then 4096. Thread-safe (stateless).
 */
final class Gpt {
    static final String SIGNATURE = "EFI PART";
    static final int SIGNATURE_OFFSET = 0;
    static final int HEADER_SIZE_OFFSET = 12;
    static final int HEADER_CRC_OFFSET = 16;
    static final int MY_LBA_OFFSET = 24;
    static final int ALTERNATE_LBA_OFFSET = 32;
    static final int FIRST_USABLE_OFFSET = 40;
    static final int LAST_USABLE_OFFSET = 48;
    static final int ENTRIES_LBA_OFFSET = 72;
    static final int ENTRY_COUNT_OFFSET = 80;
    static final int ENTRY_SIZE_OFFSET = 84;
    static final int ENTRIES_CRC_OFFSET = 88;
    static final int ENTRY_FIRST_LBA_OFFSET = 32;
    static final int ENTRY_LAST_LBA_OFFSET = 40;
    private static final int MAX_ARRAY = 1 << 20;

    private Gpt() {
    }

    /** The sector size at which a GPT signature sits at LBA 1, or 0 if none does. */
    static int sectorSize(Disk disk) throws IOException {
        for (int ss : new int[]{512, 4096}) {
            byte[] h = disk.readPadded(ss, 8);
            if (new String(h, java.nio.charset.StandardCharsets.ISO_8859_1).equals(SIGNATURE))
                return ss;
        }
        return 0;
    }

    /**
     * Reads the partitions from the primary header, or from the backup with a warning when the
     * primary fails its checks.
     *
     * @throws LayoutCheckException when neither header checks out
     */
    static List<Partition> read(Disk disk, int ss, Consumer<String> warn) throws IOException {
        byte[] mbr = disk.readPadded(0, Mbr.SECTOR);
        if (!Mbr.hasSignature(mbr) || Mbr.type(mbr, 0) != Mbr.TYPE_GPT_PROTECTIVE)
            warn.accept("GPT: sector 0 is not a protective MBR (type 0xee); reading the GPT "
                + "anyway");
        long lastLba = disk.size() / ss - 1;
        try {
            List<Partition> p = readHeader(disk, ss, 1, lastLba);
            if (lastLba > 1) {
                try {
                    readHeader(disk, ss, lastLba, lastLba);
                } catch (LayoutCheckException e) {
                    warn.accept(e.getMessage() + " (backup header; truncated image?)");
                }
            }
            return p;
        } catch (LayoutCheckException primary) {
            try {
                List<Partition> p = readHeader(disk, ss, lastLba, lastLba);
                warn.accept(primary.getMessage() + "; using the backup header");
                return p;
            } catch (LayoutCheckException backup) {
                throw new LayoutCheckException(primary.getMessage() + "; backup: "
                    + backup.getMessage());
            }
        }
    }

    private static List<Partition> readHeader(Disk disk, int ss, long lba, long lastLba)
        throws IOException {
        long at = lba * ss;
        byte[] h = disk.readPadded(at, ss);
        String where = "GPT header at offset " + at;
        if (!new String(h, 0, 8, java.nio.charset.StandardCharsets.ISO_8859_1).equals(SIGNATURE))
            throw new LayoutCheckException(where + ": no \"EFI PART\" signature");
        long hsize = Le.u32(h, HEADER_SIZE_OFFSET);
        if (hsize < 92 || hsize > ss)
            throw new LayoutCheckException(where + ": header size " + hsize + " not in 92.." + ss);
        long stored = Le.u32(h, HEADER_CRC_OFFSET);
        byte[] copy = java.util.Arrays.copyOf(h, (int) hsize);
        Le.put32(copy, HEADER_CRC_OFFSET, 0);
        long crc = crc(copy, 0, copy.length);
        if (crc != stored)
            throw new LayoutCheckException(where + ": header CRC32 is 0x" + Long.toHexString(
                stored) + ", computed 0x" + Long.toHexString(crc));
        if (Le.u64(h, MY_LBA_OFFSET) != lba)
            throw new LayoutCheckException(where + ": header says it is at LBA " + Le.u64(h,
                MY_LBA_OFFSET));
        long first = Le.u64(h, FIRST_USABLE_OFFSET), last = Le.u64(h, LAST_USABLE_OFFSET);
        long count = Le.u32(h, ENTRY_COUNT_OFFSET), esize = Le.u32(h, ENTRY_SIZE_OFFSET);
        long entriesLba = Le.u64(h, ENTRIES_LBA_OFFSET);
        if (esize < 128 || Long.bitCount(esize) != 1 || count * esize > MAX_ARRAY)
            throw new LayoutCheckException(where + ": " + count + " entries of " + esize
                + " bytes");
        if (entriesLba > lastLba || (entriesLba * ss) + count * esize > disk.size())
            throw new LayoutCheckException(where + ": entry array at LBA " + entriesLba
                + " lies past the end of the disk");
        byte[] arr = disk.readPadded(entriesLba * ss, (int) (count * esize));
        long ecrc = crc(arr, 0, arr.length);
        if (ecrc != Le.u32(h, ENTRIES_CRC_OFFSET))
            throw new LayoutCheckException(where + ": entry array CRC32 is 0x" + Long.toHexString(
                Le.u32(h, ENTRIES_CRC_OFFSET)) + ", computed 0x" + Long.toHexString(ecrc));
        List<Partition> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int e = (int) (i * esize);
            long hi = Le.u64(arr, e), lo = Le.u64(arr, e + 8);
            if (hi == 0 && lo == 0)
                continue;
            long f = Le.u64(arr, e + ENTRY_FIRST_LBA_OFFSET);
            long l = Le.u64(arr, e + ENTRY_LAST_LBA_OFFSET);
            if (f > l || f < first || l > last)
                throw new LayoutCheckException(where + ": partition " + (i + 1) + " spans LBA "
                    + f + ".." + l + ", outside the usable " + first + ".." + last);
            out.add(new Partition(i + 1, f * ss, (l - f + 1) * ss, guid(arr, e).toString()));
        }
        return out;
    }

    /** GPT GUIDs store the first three fields little-endian. */
    private static UUID guid(byte[] b, int at) {
        long msb = Le.u32(b, at) << 32 | (long) Le.u16(b, at + 4) << 16 | Le.u16(b, at + 6);
        long lsb = 0;
        for (int i = 8; i < 16; i++)
            lsb = lsb << 8 | (b[at + i] & 0xff);
        return new UUID(msb, lsb);
    }

    static long crc(byte[] b, int off, int len) {
        CRC32 c = new CRC32();
        c.update(b, off, len);
        return c.getValue();
    }
}
