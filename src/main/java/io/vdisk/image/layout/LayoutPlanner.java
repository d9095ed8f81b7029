package io.vdisk.image.layout;

import io.vdisk.image.Region;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Decides how a disk is stored: finds the partition table (GPT, MBR with logical partitions, or
 * none), and in each partition (or the bare disk) an ext2/3/4 or FAT file system. Each file
 * system becomes regions in its own block or cluster size with its free blocks elided; every
 * other area (tables, boot code, gaps, unknown or failing file systems) is raw. A rule that does
 * not check out never guesses: the area it covers is stored raw, with a warning. Thread-safe
 * (immutable).
 */
public final class LayoutPlanner {
    private final int rawBlockSize;
    private final boolean exact;

    /**
     * @param rawBlockSize block size of raw areas (4096 by default)
     * @param exact keep every block, even those a file system marks free
     */
    public LayoutPlanner(int rawBlockSize, boolean exact) {
        this.rawBlockSize = rawBlockSize;
        this.exact = exact;
    }

    /** Regions covering {@code [0, disk.size())} in order. */
    public List<Region> plan(Disk disk, Consumer<String> warn) throws IOException {
        long size = disk.size();
        List<Region> out = new ArrayList<>();
        if (size == 0)
            return out;
        List<Partition> parts = partitions(disk, warn);
        if (parts == null) {
            out.addAll(fileSystem(disk, 0, size, 0, warn));
        } else {
            long pos = 0;
            for (Partition p : parts) {
                if (p.offset() > pos)
                    out.add(
                        Region.raw(pos, p.offset() - pos, rawBlockSize, 0, "outside partitions"));
                out.addAll(fileSystem(disk, p.offset(), p.length(), p.number(), warn));
                pos = p.end();
            }
            if (pos < size)
                out.add(Region.raw(pos, size - pos, rawBlockSize, 0, "outside partitions"));
        }
        return exact ? out.stream().map(Region::keepingAll).toList() : out;
    }

    /** Data partitions sorted and clipped to the disk; null when there is no table. */
    List<Partition> partitions(Disk disk, Consumer<String> warn) throws IOException {
        List<Partition> found;
        try {
            int ss = Gpt.sectorSize(disk);
            byte[] s0 = disk.readPadded(0, Mbr.SECTOR);
            if (ss != 0) {
                found = Gpt.read(disk, ss, warn);
            } else if (Mbr.looksLikeMbr(s0) && !isFileSystem(disk, 0, disk.size())) {
                if (Mbr.type(s0, 0) == Mbr.TYPE_GPT_PROTECTIVE)
                    throw new LayoutCheckException("protective MBR at offset 0 but no GPT header "
                        + "at offset 512");
                found = Mbr.read(disk, warn);
            } else {
                return null;
            }
        } catch (LayoutCheckException e) {
            warn.accept(e.getMessage() + "; storing the whole disk raw");
            return List.of();
        }
        List<Partition> parts = new ArrayList<>();
        for (Partition p : found) {
            if (p.offset() >= disk.size()) {
                warn.accept("partition " + p.number() + " starts at offset " + p.offset()
                    + ", past the end of the disk (" + disk.size()
                    + " bytes; truncated image?); ignored");
                continue;
            }
            if (p.end() > disk.size()) {
                warn.accept("partition " + p.number() + " runs past the end of the disk ("
                    + disk.size() + " bytes; truncated image?)");
                p = new Partition(p.number(), p.offset(), disk.size() - p.offset(), p.type());
            }
            parts.add(p);
        }
        parts.sort(Comparator.comparingLong(Partition::offset));
        for (int i = 1; i < parts.size(); i++) {
            if (parts.get(i).offset() < parts.get(i - 1).end()) {
                warn.accept("partitions " + parts.get(i - 1).number() + " and " + parts.get(i)
                    .number() + " overlap; storing the whole disk raw");
                return List.of();
            }
        }
        return parts;
    }

    private static boolean isFileSystem(Disk disk, long off, long len) throws IOException {
        return ExtFs.matches(disk, off, len) || FatFs.matches(disk, off, len);
    }

    private List<Region> fileSystem(Disk disk, long off, long len, int number,
        Consumer<String> warn) throws IOException {
        String what = number == 0 ? "disk" : "partition " + number;
        try {
            if (ExtFs.matches(disk, off, len))
                return ExtFs.plan(disk, off, len, number, warn);
            if (FatFs.matches(disk, off, len))
                return FatFs.plan(disk, off, len, number, warn);
        } catch (LayoutCheckException e) {
            warn.accept(what + ": " + e.getMessage() + "; stored raw at " + rawBlockSize
                + "-byte blocks");
            return List.of(Region.raw(off, len, rawBlockSize, number, "unchecked file system"));
        }
        if (!isAllZeroStart(disk, off, len))
            warn.accept(what + " (offset " + off + "): no ext2/3/4 or FAT file system; stored raw"
                + " at " + rawBlockSize + "-byte blocks");
        return List.of(Region.raw(off, len, rawBlockSize, number, "no known file system"));
    }

    /** An empty partition is not worth a warning. */
    private static boolean isAllZeroStart(Disk disk, long off, long len) throws IOException {
        byte[] b = disk.readPadded(off, (int) Math.min(len, 64 << 10));
        for (byte x : b) {
            if (x != 0)
                return false;
        }
        return true;
    }
}
