package io.vdisk.image;

/**
 * A run of disk bytes stored as one stream: disk bytes {@code [offset, offset + length)} are bytes
 * {@code [0, length)} of the stream described by directory entry {@code entry}. Immutable,
 * thread-safe.
 *
 * @param partition 1-based partition number the extent lies in, 0 for areas outside partitions
 */
public record Extent(long offset, long length, int entry, Content content, int partition) {

    public Extent {
        if (offset < 0 || length <= 0 || entry < 1 || partition < 0 || partition > 255) {
            throw new IllegalArgumentException("extent offset " + offset + " length " + length
                + " entry " + entry + " partition " + partition);
        }
    }

    public long end() {
        return offset + length;
    }

    public Extent withEntry(int newEntry) {
        return new Extent(offset, length, newEntry, content, partition);
    }

    public Extent withLength(long newLength) {
        return new Extent(offset, newLength, entry, content, partition);
    }
}
