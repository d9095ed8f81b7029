package io.vdisk.image;

import io.vdisk.venti.BlockStore;
import io.vdisk.venti.BlockType;
import io.vdisk.venti.Score;
import io.vdisk.venti.TreeWriter;
import io.vdisk.venti.VtEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;

/**
 * Builds a new image from disk bytes laid out in regions: hashing and storing blocks runs on an
 * executor in batches, the scores are fed to each stream's {@link TreeWriter} in order on the
 * caller's thread. Blocks a region does not keep are zero scores and are never read.
 *
 * <p>Not thread-safe: one build per instance. The executor and the store are shared.
 */
public final class ImageBuilder {
    /** Bytes of disk one task hashes: big enough to amortise the hand-off, small to bound memory. */
    static final int BATCH_BYTES = 4 << 20;

    private final BlockStore store;
    private final ExecutorService executor;
    private final int inFlight;
    private LongConsumer progress = p -> {
    };

    /**
     * @param inFlight batches hashed at once (memory is about inFlight × 4 MiB)
     */
    public ImageBuilder(BlockStore store, ExecutorService executor, int inFlight) {
        this.store = store;
        this.executor = executor;
        this.inFlight = Math.max(1, inFlight);
    }

    /** Told the disk offset up to which blocks are stored, now and then. */
    public ImageBuilder progress(LongConsumer p) {
        this.progress = p;
        return this;
    }

    /**
     * Stores every region and writes the root.
     *
     * @param regions cover {@code [0, size)} in order without gaps
     */
    public ImageRoot build(String name, long size, List<Region> regions, ByteRangeReader source,
        Kind kind, String message, Score prev, long timeMillis) throws IOException {
        List<Extent> extents = new ArrayList<>();
        List<VtEntry> entries = new ArrayList<>();
        long pos = 0;
        long blocks = 0;
        for (Region r : regions) {
            if (r.offset() != pos)
                throw new IllegalArgumentException("region at " + r.offset() + ", expected " + pos);
            entries.add(storeRegion(r, source));
            extents.add(new Extent(r.offset(), r.length(), entries.size(), r.content(),
                r.partition()));
            blocks += r.blocks();
            pos = r.end();
        }
        if (pos != size)
            throw new IllegalArgumentException("regions end at " + pos + ", size " + size);
        ImageMeta meta = new ImageMeta(size, timeMillis, kind, true, blocks, message, extents);
        return ImageRoot.write(store, name, prev, meta, entries);
    }

    private VtEntry storeRegion(Region r, ByteRangeReader source) throws IOException {
        TreeWriter tw = new TreeWriter(store, ImageRoot.PSIZE, r.blockSize(), false);
        long perBatch = Math.max(1, BATCH_BYTES / r.blockSize());
        ArrayDeque<Future<Score[]>> pending = new ArrayDeque<>();
        try {
            for (long first = 0; first < r.blocks(); first += perBatch) {
                long f = first;
                long n = Math.min(perBatch, r.blocks() - first);
                pending.add(executor.submit(() -> hashBatch(r, source, f, (int) n)));
                if (pending.size() >= inFlight)
                    drain(pending.poll(), tw, r, f);
            }
            while (!pending.isEmpty())
                drain(pending.poll(), tw, r, r.blocks());
        } finally {
            // false: interrupting a task inside a FileChannel call would close the store's
            // channel, and the store may be a running server's
            for (Future<Score[]> f : pending)
                f.cancel(false);
        }
        return tw.finish(r.length());
    }

    private void drain(Future<Score[]> f, TreeWriter tw, Region r, long doneBlocks)
        throws IOException {
        Score[] scores;
        try {
            scores = f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("import interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof UncheckedIOException u)
                throw u.getCause();
            if (c instanceof IOException io)
                throw io;
            throw new IOException(String.valueOf(c), c);
        }
        for (Score s : scores)
            tw.appendScore(s);
        progress.accept(r.offset() + Math.min(r.length(), doneBlocks * r.blockSize()));
    }

    /** Reads the kept blocks of a batch in runs and stores them; runs on a worker. */
    private Score[] hashBatch(Region r, ByteRangeReader source, long first, int n)
        throws IOException {
        int bs = r.blockSize();
        Score[] scores = new Score[n];
        int len = (int) Math.min((long) n * bs, r.length() - first * bs);
        byte[] buf = BatchBuffer.get(len);
        int i = 0;
        while (i < n) {
            if (!r.keep().test(first + i)) {
                scores[i++] = Score.ZERO;
                continue;
            }
            int j = i;
            while (j < n && r.keep().test(first + j))
                j++;
            int from = i * bs;
            int to = (int) Math.min((long) j * bs, len);
            source.read(r.offset() + (first + i) * bs, buf, from, to - from);
            store.putRun(BlockType.DATA, buf, from, to - from, bs, scores, i);
            i = j;
        }
        return scores;
    }
}
