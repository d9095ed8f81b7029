package io.vdisk.image;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A set of disjoint, coalesced byte ranges {@code [start, end)}: the dirty parts of a disk. Not
 * thread-safe.
 */
public final class ByteRanges {
    private final TreeMap<Long, Long> ranges = new TreeMap<>();

    /** Adds {@code [offset, offset+len)}, merging with touching or overlapping ranges. */
    public ByteRanges add(long offset, long len) {
        if (offset < 0 || len < 0)
            throw new IllegalArgumentException("range " + offset + "+" + len);
        if (len == 0)
            return this;
        long start = offset, end = offset + len;
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
        }
        NavigableMap<Long, Long> covered = ranges.subMap(start, true, end, true);
        for (long e : covered.values())
            end = Math.max(end, e);
        covered.clear();
        ranges.put(start, end);
        return this;
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Ranges overlapping {@code [from, to)}, clipped to it, as start → end. */
    public NavigableMap<Long, Long> within(long from, long to) {
        TreeMap<Long, Long> out = new TreeMap<>();
        Map.Entry<Long, Long> first = ranges.lowerEntry(from);
        if (first != null && first.getValue() > from)
            out.put(from, Math.min(first.getValue(), to));
        for (Map.Entry<Long, Long> e : ranges.subMap(from, true, to, false).entrySet())
            out.put(e.getKey(), Math.min(e.getValue(), to));
        return out;
    }

    /** Total bytes covered. */
    public long bytes() {
        long n = 0;
        for (Map.Entry<Long, Long> e : ranges.entrySet())
            n += e.getValue() - e.getKey();
        return n;
    }

    @Override
    public String toString() {
        return ranges.toString();
    }
}
