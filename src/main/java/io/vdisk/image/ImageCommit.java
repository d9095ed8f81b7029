package io.vdisk.image;

import io.vdisk.venti.Background;
import io.vdisk.venti.BlockStore;
import io.vdisk.venti.BlockType;
import io.vdisk.venti.Score;
import io.vdisk.venti.TreeUpdater;
import io.vdisk.venti.TreeWriter;
import io.vdisk.venti.VtEntry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * Copy-on-write commit of changes to an image: only data blocks touched by dirty ranges are
 * read, hashed and stored, and only their paths in each stream's tree are rewritten. Thread-safe
 * (stateless; the store is).
 */
public final class ImageCommit {
    /** Block size of raw extents created when a disk grows. */
    public static final int GROWTH_BLOCK_SIZE = 4096;
    /** Blocks a hashing task reads and stores: 1 MiB at 4 KiB, few enough tasks per GiB. */
    private static final int BATCH = 256;
    private static final int MAX_BATCH_BYTES = 4 << 20;
    /** Commits are background work: their threads yield to the guests' requests. */
    private static final ExecutorService HASHERS = Executors.newFixedThreadPool(
        Runtime.getRuntime().availableProcessors(), Background.threads("vdisk-commit-hash"));

    private ImageCommit() {
    }

    /**
     * Makes a new version of {@code old}: its size becomes {@code newSize}; bytes in
     * {@code dirty} are read from {@code newContent} (whole data blocks around them are, so
     * {@code newContent} must give the new disk's bytes at any offset below {@code newSize},
     * typically the journal overlaid on the old image); every other byte keeps its old value,
     * and bytes past the old size that are not dirty read as zeros. {@code newContent} is read
     * from several threads at once.
     *
     * <p>Shrinking drops or cuts the extents past the new end. Growing extends the last extent
     * if it is raw, else adds a raw extent of {@link #GROWTH_BLOCK_SIZE} blocks.
     *
     * <p>The new blocks and root are put but not synced, and no {@code .vdisk} file is touched:
     * the caller syncs the store and then swaps the pointer file.
     *
     * @param prev the new root's prev: the last snapshot, or the zero score
     * @return the new root, with its {@code changedBlocks} set to the data blocks rewritten
     */
    public static ImageRoot commit(BlockStore store, ImageRoot old, long newSize,
        ByteRanges dirty, ByteRangeReader newContent, Kind kind, boolean snapshot,
        String message, Score prev, long timeMillis) throws IOException {
        if (newSize < 0 || newSize > VtEntry.MAX_SIZE)
            throw new IllegalArgumentException("disk size " + newSize);
        List<Extent> oldExtents = old.extents();
        List<Extent> extents = new ArrayList<>();
        List<VtEntry> bases = new ArrayList<>();
        for (Extent x : oldExtents) {
            if (x.offset() >= newSize)
                break;
            extents.add(x.withLength(Math.min(x.end(), newSize) - x.offset()));
            bases.add(old.entry(x));
        }
        if (newSize > old.size()) {
            int last = extents.size() - 1;
            if (last >= 0 && extents.get(last).content() == Content.RAW) {
                Extent x = extents.get(last);
                extents.set(last, x.withLength(newSize - x.offset()));
            } else {
                extents.add(new Extent(old.size(), newSize - old.size(), 1, Content.RAW, 0));
                bases.add(new TreeWriter(store, ImageRoot.PSIZE, GROWTH_BLOCK_SIZE, false)
                    .finish(0));
            }
        }
        List<Extent> newExtents = new ArrayList<>();
        List<VtEntry> entries = new ArrayList<>();
        long changedBlocks = 0;
        for (int i = 0; i < extents.size(); i++) {
            Extent x = extents.get(i);
            VtEntry base = bases.get(i);
            TreeMap<Long, Score> changed = storeChanged(store, x, base.dsize(),
                changedBlocks(dirty, x, base.dsize()), newContent);
            changedBlocks += changed.size();
            VtEntry e = changed.isEmpty() && base.size() == x.length()
                ? base
                : TreeUpdater.update(store, base, x.length(), changed);
            entries.add(e);
            newExtents.add(x.withEntry(entries.size()));
        }
        ImageMeta meta = new ImageMeta(newSize, timeMillis, kind, snapshot, changedBlocks, message,
            newExtents);
        return ImageRoot.write(store, old.name(), prev, meta, entries);
    }

    /** Indexes, ascending and each once, of {@code x}'s blocks that {@code dirty} touches. */
    private static long[] changedBlocks(ByteRanges dirty, Extent x, int bs) {
        long[] out = new long[16];
        int n = 0;
        long next = 0;
        for (Map.Entry<Long, Long> r : dirty.within(x.offset(), x.end()).entrySet()) {
            long lastBlock = (r.getValue() - 1 - x.offset()) / bs;
            for (long b = Math.max(next, (r.getKey() - x.offset()) / bs); b <= lastBlock; b++) {
                if (n == out.length)
                    out = Arrays.copyOf(out, 2 * n);
                out[n++] = b;
            }
            next = Math.max(next, lastBlock + 1);
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * Reads and stores the blocks at {@code indexes}: in batches on {@link #HASHERS}, since
     * hashing and compressing a block cost more than reading it from the journal, and a flush of
     * 1 GiB took 2.4-4.6 s on one thread.
     */
    private static TreeMap<Long, Score> storeChanged(BlockStore store, Extent x, int bs,
        long[] indexes, ByteRangeReader newContent) throws IOException {
        List<Future<Score[]>> batches = new ArrayList<>();
        // at most 4 MiB a batch: its blocks are read into one array, kept by the thread
        int perBatch = Math.max(1, Math.min(BATCH, MAX_BATCH_BYTES / bs));
        for (int from = 0; from < indexes.length; from += perBatch) {
            int start = from;
            int end = Math.min(indexes.length, from + perBatch);
            Callable<Score[]> batch = () -> {
                // side by side, so the store appends them together (only the extent's last
                // block, which can only come last, may be short)
                byte[] buf = BatchBuffer.get((end - start) * bs);
                int filled = 0;
                for (int k = start; k < end; k++) {
                    long b = indexes[k];
                    int len = (int) Math.min(bs, x.length() - b * bs);
                    newContent.read(x.offset() + b * bs, buf, filled, len);
                    filled += len;
                }
                Score[] scores = new Score[end - start];
                store.putRun(BlockType.DATA, buf, 0, filled, bs, scores, 0);
                return scores;
            };
            batches.add(indexes.length <= perBatch ? completed(batch) : HASHERS.submit(batch));
        }
        TreeMap<Long, Score> changed = new TreeMap<>();
        Throwable failure = null;
        int k = 0;
        for (Future<Score[]> f : batches) {
            try {
                for (Score sc : f.get())
                    changed.put(indexes[k++], sc);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new InterruptedIOException("commit interrupted");
                break;
            } catch (ExecutionException e) {
                if (failure == null)
                    failure = e.getCause();
            }
        }
        if (failure != null) {
            for (Future<Score[]> f : batches)
                f.cancel(false);
            // what a batch threw, as the caller's own thread would have thrown it
            if (failure instanceof IOException io)
                throw io;
            if (failure instanceof RuntimeException re)
                throw re;
            if (failure instanceof Error err)
                throw err;
            throw new IOException(failure);
        }
        return changed;
    }

    /** Runs a small commit's only batch on the calling thread. */
    private static Future<Score[]> completed(Callable<Score[]> batch) {
        FutureTask<Score[]> t = new FutureTask<>(batch);
        t.run();
        return t;
    }
}
