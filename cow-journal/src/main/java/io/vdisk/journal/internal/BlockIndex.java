package io.vdisk.journal.internal;

import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentNavigableMap;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * One generation's map from block number to the file position of its payload (or
 * {@link #ZERO}). Kept in a MapDB B-tree in direct memory, so heap use does not grow with the
 * amount of dirty data (about 30 bytes an extent). Not durable on purpose: the log records are
 * the truth and recovery rebuilds the index from them, which spares a MapDB commit per flush.
 * One index per generation because releasing a generation then frees its memory instead of
 * removing its entries one by one.
 *
 * <p>
 * The B-tree is made by the first put: a MapDB store takes 2 MiB however little it holds, and
 * most generations of most images stay empty (an idle image's active one). Not a file: in a
 * memory-mapped scratch file, sparse so that idle images cost no disk, a put that grew the file
 * on a full file system met SIGBUS, and a put that fails half way leaves the extents wrong. In
 * memory only running out of memory stops a put.
 *
 * <p>
 * <b>Extents.</b> The B-tree holds one entry per extent, not per block, so that a log record
 * costs a few MapDB operations instead of one put per block (a 1 MiB DATA record of 4 KiB blocks
 * was 256 puts). An extent is a run of consecutive blocks whose payloads lie back to back in the
 * log, or a run of zero blocks. Key and value are both one {@code long}, which MapDB stores
 * inline in its nodes without an object per value:
 * <table>
 * <tr><th>part</th><th>bits</th><th>meaning</th></tr>
 * <tr><td>key</td><td>63..0</td><td>first block of the extent</td></tr>
 * <tr><td>value</td><td>63..44</td><td>block count, 1 to {@value #MAX_COUNT}</td></tr>
 * <tr><td>value</td><td>43..0</td><td>file position of the first block's payload, below
 * 2<sup>44</sup> - 1 (16 TiB); all ones for a zero run. Block {@code b} of the extent lies at
 * {@code position + (b - key) * blockSize}</td></tr>
 * </table>
 * Invariants: extents never overlap, so the extent holding a block is the floor entry of its
 * number; an extent newly put replaces whatever it overlaps (the older extents are cut short,
 * split, or removed), so a lookup always sees the newest mapping; an extent that continues the
 * one before it in block number and in log position (or that is a zero run after a zero run) is
 * merged into it, up to {@value #MAX_COUNT} blocks; a longer run is stored as several extents.
 * In a log, consecutive DATA records are never contiguous (each payload follows its record
 * header), so in practice merging joins zero runs, and a sequential writer costs one entry per
 * record. A separate counter holds the number of blocks mapped, since MapDB counts entries.
 *
 * <p>
 * Not thread-safe for mutation: one writer at a time, and no reader while a put or
 * {@link #removeFrom} runs (a put takes several B-tree operations and a reader could see a
 * block missing in between). The journal's state lock gives exactly that; an index no longer
 * mutated (a sealed generation's) may be read from many threads.
 */
public final class BlockIndex implements AutoCloseable {
    /** Value of a zero block: no payload stored. */
    public static final long ZERO = -1;
    /** Most blocks one extent holds; longer runs are split. */
    public static final long MAX_COUNT = (1L << 20) - 1;

    private static final int COUNT_SHIFT = 44;
    private static final long POSITION_MASK = (1L << COUNT_SHIFT) - 1;

    /** Made by the first put, with {@link #map}; null before. */
    private DB db;
    private volatile BTreeMap<Long, Long> map;
    private final int blockSize;
    private volatile long blocks;
    /**
     * The extent the last lookup found: a sequential read asks for its blocks one by one, and
     * MapDB's floor lookup is the read path's main cost. Any mutation clears it (mutations and
     * lookups never overlap, see the class comment).
     */
    private volatile Extent lastHit;
    private boolean closed;

    public BlockIndex(int blockSize) {
        this.blockSize = blockSize;
    }

    /** The B-tree, made on first use. Mutators only (one at a time, see the class comment). */
    private BTreeMap<Long, Long> tree() {
        BTreeMap<Long, Long> m = map;
        if (m == null) {
            if (closed) throw new IllegalStateException("block index is closed");
            // The cleaner hack frees the memory at close: left to the GC, a server's released
            // generations held it until an old-generation collection (81 of 300 stores' 600 MiB
            // were still held after their close in a test).
            db = DBMaker.memoryDirectDB().cleanerHackEnable().make();
            m = db.treeMap("extents", Serializer.LONG, Serializer.LONG).createOrOpen();
            map = m;
        }
        return m;
    }

    /** {@code count} blocks from {@code start}; {@code position} as in the class comment. */
    public record Extent(long start, long count, long position) {
        public long end() {
            return start + count;
        }

        public boolean isZero() {
            return position == ZERO;
        }
    }

    /** Payload position, {@link #ZERO}, or {@code null} if the generation lacks the block. */
    public Long get(long block) {
        if (blocks == 0) {
            return null; // most reads: the generation is empty, skip MapDB
        }
        Extent hit = lastHit;
        if (hit != null && block >= hit.start() && block < hit.end()) {
            return advance(hit.position(), block - hit.start());
        }
        Map.Entry<Long, Long> e = map.floorEntry(block);
        if (e == null) {
            return null;
        }
        long offset = block - e.getKey();
        long v = e.getValue();
        if (offset >= countOf(v)) {
            return null;
        }
        lastHit = new Extent(e.getKey(), countOf(v), positionOf(v));
        return advance(positionOf(v), offset);
    }

    /**
     * Maps blocks {@code [first, first + count)} to the payloads at {@code position} onwards (one
     * block after the other), or to zeros if {@code position} is {@link #ZERO}, replacing any
     * older mapping of those blocks.
     */
    public void put(long first, long count, long position) {
        if (first < 0 || count < 1 || first + count < 0 || position < 0 && position != ZERO
            || position >= POSITION_MASK || advance(position, count) >= POSITION_MASK) {
            throw new IllegalArgumentException(
                "extent " + first + "+" + count + " at " + position + " out of range");
        }
        for (long done = 0; done < count; done += MAX_COUNT) {
            putExtent(first + done, Math.min(MAX_COUNT, count - done), advance(position, done));
        }
    }

    private void putExtent(long first, long count, long position) {
        lastHit = null;
        BTreeMap<Long, Long> map = tree();
        long end = first + count;
        long mapped = blocks;
        // Remove the extents starting inside (first, end), last first; only the last one can
        // reach past end, and its remainder is kept. What is left below end is the floor.
        Map.Entry<Long, Long> below;
        while ((below = map.lowerEntry(end)) != null && below.getKey() > first) {
            long start = below.getKey();
            long v = below.getValue();
            map.remove(start);
            long stop = start + countOf(v);
            if (stop > end) {
                map.put(end, pack(stop - end, advance(positionOf(v), end - start)));
                mapped -= end - start;
            } else {
                mapped -= countOf(v);
            }
        }
        long floorStart = -1;
        long floorCount = 0;
        long floorPosition = 0;
        if (below != null) {
            floorStart = below.getKey();
            floorCount = countOf(below.getValue());
            floorPosition = positionOf(below.getValue());
            long stop = floorStart + floorCount;
            if (stop > first) {
                if (stop > end) {
                    map.put(end, pack(stop - end, advance(floorPosition, end - floorStart)));
                }
                mapped -= Math.min(stop, end) - first;
                floorCount = first - floorStart; // 0 if the new extent starts where it did
                if (floorCount > 0) {
                    map.put(floorStart, pack(floorCount, floorPosition));
                }
            }
        }
        if (floorCount > 0 && floorStart + floorCount == first
            && advance(floorPosition, floorCount) == position
            && floorCount + count <= MAX_COUNT) {
            map.put(floorStart, pack(floorCount + count, floorPosition));
        } else {
            map.put(first, pack(count, position));
        }
        blocks = mapped + count;
    }

    /** Drops every block at or past {@code fromBlock}; an extent across it is cut short. */
    public void removeFrom(long fromBlock) {
        lastHit = null;
        BTreeMap<Long, Long> map = this.map;
        if (map == null) return;
        long mapped = blocks;
        Map.Entry<Long, Long> below = map.lowerEntry(fromBlock);
        if (below != null) {
            long start = below.getKey();
            long v = below.getValue();
            if (start + countOf(v) > fromBlock) {
                map.put(start, pack(fromBlock - start, positionOf(v)));
                mapped -= start + countOf(v) - fromBlock;
            }
        }
        ConcurrentNavigableMap<Long, Long> tail = map.tailMap(fromBlock, true);
        Map.Entry<Long, Long> e;
        while ((e = tail.pollFirstEntry()) != null) {
            mapped -= countOf(e.getValue());
        }
        blocks = mapped;
    }

    /** Whether the B-tree has been made (by a put). */
    boolean allocated() {
        return map != null;
    }

    /** Number of blocks mapped (data and zero), not of extents. */
    public long count() {
        return blocks;
    }

    /** Extents in ascending block order, read lazily from the B-tree. */
    public Iterable<Extent> extents() {
        return () -> new Iterator<>() {
            private final Iterator<Map.Entry<Long, Long>> it = map == null
                ? Collections.emptyIterator()
                : map.entryIterator();

            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Extent next() {
                Map.Entry<Long, Long> e = it.next();
                return new Extent(e.getKey(), countOf(e.getValue()), positionOf(e.getValue()));
            }
        };
    }

    /** Per-block entries (block, position or {@link #ZERO}) in ascending order, lazily. */
    public Iterable<Map.Entry<Long, Long>> entries() {
        return () -> new Iterator<>() {
            private final Iterator<Extent> extents = extents().iterator();
            private Extent current;
            private long next;

            @Override
            public boolean hasNext() {
                while (current == null || next == current.end()) {
                    if (!extents.hasNext()) {
                        return false;
                    }
                    current = extents.next();
                    next = current.start();
                }
                return true;
            }

            @Override
            public Map.Entry<Long, Long> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                long block = next++;
                return Map.entry(block, advance(current.position(), block - current.start()));
            }
        };
    }

    /** The position {@code blocks} blocks past {@code position}; {@link #ZERO} stays ZERO. */
    private long advance(long position, long blocks) {
        return position == ZERO ? ZERO : position + blocks * blockSize;
    }

    private static long pack(long count, long position) {
        return count << COUNT_SHIFT | (position == ZERO ? POSITION_MASK : position);
    }

    private static long countOf(long value) {
        return value >>> COUNT_SHIFT;
    }

    private static long positionOf(long value) {
        long p = value & POSITION_MASK;
        return p == POSITION_MASK ? ZERO : p;
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            if (db != null) db.close();
        }
    }
}
