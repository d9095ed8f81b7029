package io.vdisk.image.layout;

import io.vdisk.image.Content;
import io.vdisk.image.Region;
import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * ext2/3/4: block size and the blocks the block bitmaps mark in use. The superblock sits 1024
 * bytes into the file system; fields used (little-endian):
 *
 * <pre>
 * | offset | size | superblock field                                         |
 * |--------|------|----------------------------------------------------------|
 * | 0x04   | 4    | s_blocks_count_lo                                        |
 * | 0x14   | 4    | s_first_data_block (1 for 1 KiB blocks, else 0)          |
 * | 0x18   | 4    | s_log_block_size: block size = 1024 &lt;&lt; n                 |
 * | 0x20   | 4    | s_blocks_per_group                                       |
 * | 0x28   | 4    | s_inodes_per_group                                       |
 * | 0x38   | 2    | s_magic 0xef53                                           |
 * | 0x3a   | 2    | s_state: bit 0 cleanly unmounted                         |
 * | 0x58   | 2    | s_inode_size                                             |
 * | 0x5c   | 4    | s_feature_compat (0x4 has_journal)                       |
 * | 0x60   | 4    | s_feature_incompat (0x4 recover, 0x10 meta_bg, 0x80 64bit)|
 * | 0x64   | 4    | s_feature_ro_compat (0x200 bigalloc, 0x400 metadata_csum) |
 * | 0xce   | 2    | s_reserved_gdt_blocks                                    |
 * | 0xfe   | 2    | s_desc_size (64bit only)                                 |
 * | 0x150  | 4    | s_blocks_count_hi (64bit only)                           |
 * | 0x3fc  | 4    | s_checksum: crc32c of bytes 0..0x3fb (metadata_csum)     |
 * </pre>
 *
 * Group descriptors follow in the block after the superblock: block bitmap at 0x00 (hi 0x20),
 * inode bitmap 0x04 (hi 0x24), inode table 0x08 (hi 0x28), free blocks 0x0c (hi 0x2c), flags 0x12
 * (0x2 BLOCK_UNINIT). A BLOCK_UNINIT group has no bitmap on disk: only its superblock backup,
 * descriptor copies and any group's bitmaps or inode table inside it are in use. With flex_bg
 * those tables may sit in another group, so every group's tables are always kept.
 *
 * <p>Thread-safe (stateless).
 */
final class ExtFs {
    static final int SUPERBLOCK_OFFSET = 1024;
    static final int MAGIC = 0xef53;
    static final int BLOCKS_COUNT_OFFSET = 0x04;
    static final int FIRST_DATA_BLOCK_OFFSET = 0x14;
    static final int LOG_BLOCK_SIZE_OFFSET = 0x18;
    static final int BLOCKS_PER_GROUP_OFFSET = 0x20;
    static final int INODES_PER_GROUP_OFFSET = 0x28;
    static final int MAGIC_OFFSET = 0x38;
    static final int STATE_OFFSET = 0x3a;
    static final int INODE_SIZE_OFFSET = 0x58;
    static final int COMPAT_OFFSET = 0x5c;
    static final int INCOMPAT_OFFSET = 0x60;
    static final int RO_COMPAT_OFFSET = 0x64;
    static final int RESERVED_GDT_OFFSET = 0xce;
    static final int DESC_SIZE_OFFSET = 0xfe;
    static final int BLOCKS_COUNT_HI_OFFSET = 0x150;
    static final int CHECKSUM_OFFSET = 0x3fc;

    static final int COMPAT_HAS_JOURNAL = 0x4;
    static final int INCOMPAT_RECOVER = 0x4, INCOMPAT_JOURNAL_DEV = 0x8, INCOMPAT_META_BG = 0x10,
        INCOMPAT_64BIT = 0x80, INCOMPAT_FLEX_BG = 0x200, INCOMPAT_EXTENTS = 0x40;
    /** Incompat features whose meaning for block allocation we know. */
    static final int INCOMPAT_KNOWN = 0x2 | INCOMPAT_RECOVER | INCOMPAT_EXTENTS | INCOMPAT_64BIT
        | 0x100 | INCOMPAT_FLEX_BG | 0x400 | 0x1000 | 0x2000 | 0x4000 | 0x8000 | 0x10000
        | 0x20000;
    static final int RO_BIGALLOC = 0x200, RO_METADATA_CSUM = 0x400, RO_GDT_CSUM = 0x10,
        RO_HUGE_FILE = 0x8, RO_DIR_NLINK = 0x20, RO_EXTRA_ISIZE = 0x40;
    static final int BG_BLOCK_BITMAP_OFFSET = 0x00, BG_INODE_BITMAP_OFFSET = 0x04,
        BG_INODE_TABLE_OFFSET = 0x08, BG_FREE_BLOCKS_OFFSET = 0x0c, BG_FLAGS_OFFSET = 0x12,
        BG_BLOCK_BITMAP_HI_OFFSET = 0x20, BG_INODE_BITMAP_HI_OFFSET = 0x24,
        BG_INODE_TABLE_HI_OFFSET = 0x28, BG_FREE_BLOCKS_HI_OFFSET = 0x2c;
    static final int BG_BLOCK_UNINIT = 0x2;

    private ExtFs() {
    }

    /** True if the ext magic is where a superblock would be. */
    static boolean matches(Disk disk, long offset, long length) throws IOException {
        if (length < 2048)
            return false;
        byte[] sb = disk.readPadded(offset + SUPERBLOCK_OFFSET, 1024);
        return Le.u16(sb, MAGIC_OFFSET) == MAGIC;
    }

    /**
     * One region over the partition with the file system's block size.
     *
     * @throws LayoutCheckException if any rule of the metadata is broken
     */
    static List<Region> plan(Disk disk, long offset, long length, int partition,
        Consumer<String> warn) throws IOException {
        String where = "ext superblock at offset " + (offset + SUPERBLOCK_OFFSET);
        byte[] sb = disk.readPadded(offset + SUPERBLOCK_OFFSET, 1024);
        int incompat = (int) Le.u32(sb, INCOMPAT_OFFSET);
        int ro = (int) Le.u32(sb, RO_COMPAT_OFFSET);
        int compat = (int) Le.u32(sb, COMPAT_OFFSET);
        if ((ro & RO_METADATA_CSUM) != 0) {
            CRC32C c = new CRC32C();
            c.update(sb, 0, CHECKSUM_OFFSET);
            long want = ~c.getValue() & 0xffffffffL;
            if (Le.u32(sb, CHECKSUM_OFFSET) != want)
                throw new LayoutCheckException(where + ": checksum 0x" + Long.toHexString(Le.u32(
                    sb, CHECKSUM_OFFSET)) + ", computed 0x" + Long.toHexString(want));
        }
        long logBs = Le.u32(sb, LOG_BLOCK_SIZE_OFFSET);
        if (logBs > 6)
            throw new LayoutCheckException(where + ": log block size " + logBs + " (> 64 KiB)");
        int bs = 1024 << logBs;
        if ((incompat & ~INCOMPAT_KNOWN) != 0 || (incompat & INCOMPAT_JOURNAL_DEV) != 0)
            throw new LayoutCheckException(where + ": unsupported incompat features 0x"
                + Integer.toHexString(incompat & ~INCOMPAT_KNOWN | incompat
                    & INCOMPAT_JOURNAL_DEV));
        if ((incompat & INCOMPAT_META_BG) != 0 || (ro & RO_BIGALLOC) != 0)
            throw new LayoutCheckException(where + ": meta_bg and bigalloc are not supported");
        boolean is64 = (incompat & INCOMPAT_64BIT) != 0;
        long blocks = Le.u32(sb, BLOCKS_COUNT_OFFSET)
            | (is64 ? Le.u32(sb, BLOCKS_COUNT_HI_OFFSET) << 32 : 0);
        long firstData = Le.u32(sb, FIRST_DATA_BLOCK_OFFSET);
        long bpg = Le.u32(sb, BLOCKS_PER_GROUP_OFFSET);
        long ipg = Le.u32(sb, INODES_PER_GROUP_OFFSET);
        int inodeSize = Le.u16(sb, INODE_SIZE_OFFSET);
        int descSize = is64 ? Le.u16(sb, DESC_SIZE_OFFSET) : 32;
        if (firstData != (bs == 1024 ? 1 : 0))
            throw new LayoutCheckException(where + ": first data block " + firstData
                + " with block size " + bs);
        if (bpg == 0 || bpg > 8L * bs || bpg % 8 != 0)
            throw new LayoutCheckException(where + ": " + bpg + " blocks per group");
        if (blocks <= firstData)
            throw new LayoutCheckException(where + ": " + blocks + " blocks");
        if (inodeSize < 128 || inodeSize > bs || Integer.bitCount(inodeSize) != 1 || ipg == 0)
            throw new LayoutCheckException(where + ": inode size " + inodeSize + ", " + ipg
                + " inodes per group");
        if (is64 && (descSize < 64 || descSize > bs || Integer.bitCount(descSize) != 1))
            throw new LayoutCheckException(where + ": descriptor size " + descSize);
        if (blocks > length / bs)
            throw new LayoutCheckException(where + ": the file system has " + blocks + " blocks of "
                + bs + " bytes but the partition holds " + length + " bytes (truncated image?)");
        if (blocks >= Integer.MAX_VALUE)
            throw new LayoutCheckException(where + ": " + blocks + " blocks is more than import "
                + "can map");
        // An unclean file system's bitmaps may lag its journal: they are not trusted for elision.
        boolean clean = (Le.u16(sb, STATE_OFFSET) & 1) != 0 && (incompat & INCOMPAT_RECOVER) == 0;
        long groups = (blocks - firstData + bpg - 1) / bpg;
        long gdtBytes = groups * descSize;
        if (gdtBytes > Integer.MAX_VALUE / 2)
            throw new LayoutCheckException(where + ": " + groups + " groups");
        long gdtBlocks = (gdtBytes + bs - 1) / bs;
        long reservedGdt = Le.u16(sb, RESERVED_GDT_OFFSET);
        long itBlocks = (ipg * inodeSize + bs - 1) / bs;
        Content content = content(compat, incompat, ro);
        long gdtAt = offset + (firstData + 1) * bs;
        byte[] gdt = disk.readPadded(gdtAt, (int) gdtBytes);
        BitSet used = new BitSet();
        used.set(0, (int) Math.min(blocks, firstData + 1 + gdtBlocks + reservedGdt));
        byte[] bitmap = new byte[bs];
        for (int g = 0; g < groups; g++) {
            int d = g * descSize;
            String gwhere = "ext group descriptor " + g + " at offset " + (gdtAt + d);
            long bb = field(gdt, d, BG_BLOCK_BITMAP_OFFSET, BG_BLOCK_BITMAP_HI_OFFSET, descSize);
            long ib = field(gdt, d, BG_INODE_BITMAP_OFFSET, BG_INODE_BITMAP_HI_OFFSET, descSize);
            long it = field(gdt, d, BG_INODE_TABLE_OFFSET, BG_INODE_TABLE_HI_OFFSET, descSize);
            if (bb < firstData || bb >= blocks || ib < firstData || ib >= blocks || it < firstData
                || it + itBlocks > blocks)
                throw new LayoutCheckException(gwhere + ": bitmap or inode table outside the "
                    + blocks + " blocks of the file system");
            markUsed(used, bb, 1);
            markUsed(used, ib, 1);
            markUsed(used, it, itBlocks);
            long start = firstData + g * bpg;
            long n = Math.min(bpg, blocks - start);
            int flags = Le.u16(gdt, d + BG_FLAGS_OFFSET);
            if ((flags & BG_BLOCK_UNINIT) != 0) {
                // No bitmap: the group's backup superblock and descriptors (when it has them)
                // are kept, conservatively for every group.
                markUsed(used, start, Math.min(n, 1 + gdtBlocks + reservedGdt));
                continue;
            }
            disk.read(offset + bb * bs, bitmap, 0, bs);
            long free = 0;
            for (int i = 0; i < n; i++) {
                if ((bitmap[i >>> 3] >>> (i & 7) & 1) != 0)
                    used.set((int) (start + i));
                else
                    free++;
            }
            long descFree = Le.u16(gdt, d + BG_FREE_BLOCKS_OFFSET) | (descSize >= 64
                ? (long) Le
                    .u16(gdt, d + BG_FREE_BLOCKS_HI_OFFSET) << 16
                : 0);
            if (clean && free != descFree)
                throw new LayoutCheckException(gwhere + ": the block bitmap at block " + bb
                    + " has " + free + " free blocks, the descriptor says " + descFree);
        }
        String note = content.label() + ", " + bs + "-byte blocks, " + used.cardinality() + " of "
            + blocks + " in use";
        if (!clean) {
            warn.accept("partition " + partition + ": " + content.label()
                + " was not cleanly unmounted (journal needs recovery); keeping every block");
            return List.of(new Region(offset, length, bs, content, partition, Region.ALL, note));
        }
        long fsBlocks = blocks;
        return List.of(new Region(offset, length, bs, content, partition,
            i -> i >= fsBlocks || used.get((int) i), note));
    }

    private static void markUsed(BitSet used, long from, long n) {
        used.set((int) from, (int) (from + n));
    }

    private static long field(byte[] gdt, int d, int lo, int hi, int descSize) {
        return Le.u32(gdt, d + lo) | (descSize >= 64 ? Le.u32(gdt, d + hi) << 32 : 0);
    }

    private static Content content(int compat, int incompat, int ro) {
        if ((incompat & (INCOMPAT_EXTENTS | INCOMPAT_64BIT | INCOMPAT_FLEX_BG)) != 0 || (ro
            & (RO_HUGE_FILE | RO_GDT_CSUM | RO_METADATA_CSUM | RO_DIR_NLINK
                | RO_EXTRA_ISIZE)) != 0)
            return Content.EXT4;
        return (compat & COMPAT_HAS_JOURNAL) != 0 ? Content.EXT3 : Content.EXT2;
    }
}
