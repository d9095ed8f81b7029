package io.vdisk.image;

import java.util.function.LongPredicate;

/**
 * A part of a disk to store as one extent, as import planned it. Immutable, thread-safe if
 * {@code keep} is.
 *
 * @param blockSize data block size of the extent's stream (256 B .. 1 MiB)
 * @param keep block index within the region → whether its bytes must be stored; false means the
 *        file system marks it free and it becomes a zero block without being read
 * @param note what import learnt, for messages and {@code vdisk info}
 */
public record Region(long offset, long length, int blockSize, Content content, int partition,
    LongPredicate keep, String note) {

    public static final LongPredicate ALL = i -> true;

    public Region {
        if (offset < 0 || length <= 0 || blockSize < 256 || blockSize > (1 << 20))
            throw new IllegalArgumentException("region offset " + offset + " length " + length
                + " block size " + blockSize);
    }

    /** A region stored whole at {@code blockSize}. */
    public static Region raw(long offset, long length, int blockSize, int partition,
        String note) {
        return new Region(offset, length, blockSize, Content.RAW, partition, ALL, note);
    }

    public long end() {
        return offset + length;
    }

    public long blocks() {
        return (length + blockSize - 1) / blockSize;
    }

    /** The same region storing every block (--exact). */
    public Region keepingAll() {
        return new Region(offset, length, blockSize, content, partition, ALL, note);
    }
}
