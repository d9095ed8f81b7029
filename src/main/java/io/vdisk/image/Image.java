package io.vdisk.image;

import io.vdisk.venti.BlockStore;
import io.vdisk.venti.Gather;
import io.vdisk.venti.Score;
import io.vdisk.venti.TreeReader;
import io.vdisk.venti.VtEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;

/**
 * Random-access reads of one image version: a disk assembled from the streams of its extents.
 *
 * <p>Thread-safe: the root is immutable and each stream's {@link TreeReader} is thread-safe.
 * Holds no resources of its own; the store outlives it.
 */
public final class Image {
    private final ImageRoot root;
    private final TreeMap<Long, Extent> byOffset = new TreeMap<>();
    private final TreeReader[] readers;

    private Image(BlockStore store, ImageRoot root) {
        this.root = root;
        List<VtEntry> entries = root.entries();
        this.readers = new TreeReader[entries.size()];
        for (Extent x : root.extents()) {
            byOffset.put(x.offset(), x);
            readers[x.entry()] = new TreeReader(store, entries.get(x.entry()));
        }
    }

    /** Loads and checks the image at {@code score}. */
    public static Image open(BlockStore store, Score score) throws IOException {
        return new Image(store, ImageRoot.load(store, score));
    }

    public static Image of(BlockStore store, ImageRoot root) {
        return new Image(store, root);
    }

    public ImageRoot root() {
        return root;
    }

    public long size() {
        return root.size();
    }

    /** The extent holding disk byte {@code offset}, or null past the end. */
    public Extent extentAt(long offset) {
        Map.Entry<Long, Extent> e = byOffset.floorEntry(offset);
        return e == null || offset >= e.getValue().end() ? null : e.getValue();
    }

    /** Data block size of the extent holding {@code offset} (4096 past the end). */
    public int blockSizeAt(long offset) {
        Extent x = extentAt(offset);
        return x == null ? 4096 : readers[x.entry()].blockSize();
    }

    /**
     * Reads up to {@code len} bytes at {@code offset}; fewer only at the end of the disk.
     *
     * @return bytes read, 0 at or past the end
     */
    public int read(long offset, byte[] dst, int off, int len) throws IOException {
        if (offset < 0 || len < 0 || off < 0 || off + len > dst.length)
            throw new IndexOutOfBoundsException("offset " + offset + " len " + len);
        return read(offset, ByteBuffer.wrap(dst, off, len));
    }

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code offset}, advancing {@code dst}'s
     * position; fewer only at the end of the disk.
     *
     * @return bytes read, 0 at or past the end
     */
    public int read(long offset, ByteBuffer dst) throws IOException {
        return read(offset, dst.remaining(), Gather.into(dst));
    }

    /**
     * Gathers up to {@code len} bytes at {@code offset} into {@code out}; fewer only at the end
     * of the disk.
     *
     * @return bytes read, 0 at or past the end
     */
    public int read(long offset, int len, Gather out) throws IOException {
        if (offset < 0)
            throw new IndexOutOfBoundsException("offset " + offset);
        int n = (int) Math.max(0, Math.min(len, size() - offset));
        int done = 0;
        while (done < n) {
            Extent x = extentAt(offset + done);
            int chunk = (int) Math.min(n - done, x.end() - offset - done);
            int got = readers[x.entry()].read(offset + done - x.offset(), chunk, out);
            if (got != chunk)
                throw new ImageFormatException("image " + root.score().abbreviated(12)
                    + ": entry " + x.entry() + " ends early at disk offset " + offset + done);
            done += chunk;
        }
        return n;
    }

    /**
     * The first offset at or after {@code offset} whose data block is not a zero block, or
     * {@link #size()}. Bytes in between read as zeros (SEEK_DATA).
     */
    public long nextData(long offset) throws IOException {
        while (offset < size()) {
            Extent x = extentAt(offset);
            TreeReader r = readers[x.entry()];
            long rel = offset - x.offset();
            long b = r.nextNonZeroBlock(rel / r.blockSize());
            if (b < r.blockCount())
                return x.offset() + Math.max(rel, b * r.blockSize());
            offset = x.end();
        }
        return size();
    }

    /**
     * The first offset at or after {@code offset} that starts a zero block, or {@link #size()}
     * (SEEK_HOLE). A non-zero block may still hold zeros: this is conservative.
     */
    public long nextHole(long offset) throws IOException {
        return nextHole(offset, size());
    }

    /**
     * As {@link #nextHole(long)}, looking no further than {@code limit}: a scan costs a score
     * lookup per block, so callers that only care about a range say so.
     *
     * @return the hole's offset, or {@code min(limit, size())} if none starts before it
     */
    public long nextHole(long offset, long limit) throws IOException {
        long stop = Math.min(limit, size());
        while (offset < stop) {
            Extent x = extentAt(offset);
            TreeReader r = readers[x.entry()];
            long rel = offset - x.offset();
            long last = Math.min(r.blockCount(), (stop - x.offset() + r.blockSize() - 1)
                / r.blockSize());
            long b = r.nextZeroBlock(rel / r.blockSize(), last);
            if (b < last)
                return Math.min(stop, x.offset() + Math.max(rel, b * r.blockSize()));
            offset = x.end();
        }
        return stop;
    }

    /** True if every byte of {@code [offset, offset+len)} lies in zero blocks or past the end. */
    public boolean isZero(long offset, long len) throws IOException {
        if (len <= 0 || offset >= size())
            return true;
        return nextData(offset) >= Math.min(size(), offset + len);
    }

    /** Scores of this version's non-zero data blocks, added to {@code out}. */
    public void collectDataScores(NavigableSet<Score> out) throws IOException {
        for (Extent x : root.extents()) {
            TreeReader r = readers[x.entry()];
            for (long b = r.nextNonZeroBlock(0); b < r.blockCount(); b = r.nextNonZeroBlock(b
                + 1))
                out.add(r.blockScore(b));
        }
    }

    /** Bytes held by non-zero data blocks: what the image references, before dedup. */
    public long referencedBytes() throws IOException {
        long total = 0;
        for (Extent x : root.extents()) {
            TreeReader r = readers[x.entry()];
            for (long b = r.nextNonZeroBlock(0); b < r.blockCount(); b = r.nextNonZeroBlock(b
                + 1))
                total += Math.min(r.blockSize(), r.size() - b * r.blockSize());
        }
        return total;
    }

    /** Reads every block of every stream, so the store verifies each score. */
    public void verify(java.util.function.LongConsumer progress) throws IOException {
        byte[] buf = new byte[VtEntry.MAX_BLOCK_SIZE];
        for (Extent x : root.extents()) {
            TreeReader r = readers[x.entry()];
            for (long b = r.nextNonZeroBlock(0); b < r.blockCount(); b = r.nextNonZeroBlock(b
                + 1)) {
                r.readBlock(b, buf, 0);
                if (progress != null)
                    progress.accept(x.offset() + b * r.blockSize());
            }
        }
        Arrays.fill(buf, 0, 1, (byte) 0);
    }
}
