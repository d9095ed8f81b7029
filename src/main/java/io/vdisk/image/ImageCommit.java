package io.vdisk.image;

import io.vdisk.venti.BlockStore;
import io.vdisk.venti.BlockType;
import io.vdisk.venti.Score;
import io.vdisk.venti.TreeUpdater;
import io.vdisk.venti.TreeWriter;
import io.vdisk.venti.VtEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Copy-on-write commit of changes to an image: only data blocks touched by dirty ranges are
 * read, hashed and stored, and only their paths in each stream's tree are rewritten. Thread-safe
 * (stateless; the store is).
 */
public final class ImageCommit {
    /** Block size of raw extents created when a disk grows. */
    public static final int GROWTH_BLOCK_SIZE = 4096;

    private ImageCommit() {
    }

    /**
     * Makes a new version of {@code old}: its size becomes {@code newSize}; bytes in
     * {@code dirty} are read from {@code newContent} (whole data blocks around them are, so
     * {@code newContent} must give the new disk's bytes at any offset below {@code newSize},
     * typically the journal overlaid on the old image); every other byte keeps its old value,
     * and bytes past the old size that are not dirty read as zeros.
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
        byte[] buf = null;
        for (int i = 0; i < extents.size(); i++) {
            Extent x = extents.get(i);
            VtEntry base = bases.get(i);
            int bs = base.dsize();
            TreeMap<Long, Score> changed = new TreeMap<>();
            for (Map.Entry<Long, Long> r : dirty.within(x.offset(), x.end()).entrySet()) {
                long firstBlock = (r.getKey() - x.offset()) / bs;
                long lastBlock = (r.getValue() - 1 - x.offset()) / bs;
                for (long b = Math.max(firstBlock, changed.isEmpty()
                    ? 0
                    : changed.lastKey() + 1); b <= lastBlock; b++) {
                    if (buf == null || buf.length < bs)
                        buf = new byte[bs];
                    int len = (int) Math.min(bs, x.length() - b * bs);
                    newContent.read(x.offset() + b * bs, buf, 0, len);
                    changed.put(b, store.put(BlockType.DATA, buf, 0, len));
                }
            }
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
}
