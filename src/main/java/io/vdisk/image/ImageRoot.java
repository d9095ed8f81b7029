package io.vdisk.image;

import io.vdisk.venti.BlockStore;
import io.vdisk.venti.BlockType;
import io.vdisk.venti.MissingBlockException;
import io.vdisk.venti.Score;
import io.vdisk.venti.TreeReader;
import io.vdisk.venti.TreeWriter;
import io.vdisk.venti.VentiFormatException;
import io.vdisk.venti.VtEntry;
import io.vdisk.venti.VtRoot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One version of an image, parsed: the root block, its directory and its metadata.
 *
 * <p>Layout in the store:
 *
 * <pre>
 * VtRoot (300 B, type "vdisk", name = image name, prev = previous root or the zero score)
 *   └─ score → DIR block: n VtEntries of 40 bytes (one block, at most {@link #MAX_ENTRIES})
 *        entry 0      the metadata stream ({@link ImageMeta}): dsize = psize = 8192
 *        entry 1..n-1 one data stream per extent: dsize = the file system's block or cluster
 *                     size, or 4096 (raw); psize 8192; free and all-zero blocks are zero scores
 * </pre>
 *
 * Immutable, thread-safe.
 */
public final class ImageRoot {
    /** The VtRoot type of an image. */
    public static final String TYPE = "vdisk";
    /** Pointer block size of every stream an image writes. */
    public static final int PSIZE = 8192;
    /** Block size of the metadata stream. */
    public static final int META_DSIZE = 8192;
    /** Entries one directory block holds (40 KiB). */
    public static final int MAX_ENTRIES = 1024;
    /** Metadata streams larger than this are refused as corrupt. */
    static final long MAX_META = 64L << 20;

    private final Score score;
    private final VtRoot root;
    private final ImageMeta meta;
    private final List<VtEntry> entries;

    private ImageRoot(Score score, VtRoot root, ImageMeta meta, List<VtEntry> entries) {
        this.score = score;
        this.root = root;
        this.meta = meta;
        this.entries = List.copyOf(entries);
    }

    /** Reads and checks the root, directory and metadata of the image at {@code score}. */
    public static ImageRoot load(BlockStore store, Score score) throws IOException {
        String where = "image " + score.abbreviated(12);
        VtRoot root;
        try {
            root = VtRoot.parse(store.get(score, BlockType.ROOT));
        } catch (MissingBlockException e) {
            throw new ImageFormatException(where + ": no root block " + score + " in the store");
        } catch (VentiFormatException e) {
            throw new ImageFormatException(where + " root: " + e.getMessage(), e);
        }
        if (!root.type().equals(TYPE)) {
            throw new ImageFormatException(where + " root offset " + VtRoot.TYPE_OFFSET
                + ": type '" + root.type() + "', expected '" + TYPE + "'");
        }
        byte[] dir = store.get(root.score(), BlockType.DIR);
        int n = (dir.length + VtEntry.SIZE - 1) / VtEntry.SIZE;
        if (n < 1 || n > MAX_ENTRIES) {
            throw new ImageFormatException(where + " directory " + root.score().abbreviated(12)
                + ": " + n + " entries, expected 1.." + MAX_ENTRIES);
        }
        ByteBuffer b = ByteBuffer.allocate(n * VtEntry.SIZE).put(dir).position(0);
        List<VtEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            try {
                VtEntry e = VtEntry.unpack(b);
                if (!e.isActive() || e.isDir())
                    throw new ImageFormatException(where + " directory offset " + i * VtEntry.SIZE
                        + ": entry " + i + " is not an active data stream");
                entries.add(e);
            } catch (VentiFormatException e) {
                throw new ImageFormatException(where + " directory offset " + i * VtEntry.SIZE
                    + ": " + e.getMessage(), e);
            }
        }
        VtEntry me = entries.get(0);
        if (me.size() > MAX_META) {
            throw new ImageFormatException(where + " directory offset 0: metadata stream of "
                + me.size() + " bytes");
        }
        byte[] mb = new byte[(int) me.size()];
        new TreeReader(store, me).read(0, mb, 0, mb.length);
        ImageMeta meta = ImageMeta.parse(mb, where);
        boolean[] used = new boolean[n];
        for (Extent x : meta.extents()) {
            if (x.entry() >= n || used[x.entry()]) {
                throw new ImageFormatException(where + ": extent at " + x.offset() + " names entry "
                    + x.entry() + (x.entry() >= n
                        ? ", the directory has " + n
                        : ", already used by another extent"));
            }
            used[x.entry()] = true;
            if (entries.get(x.entry()).size() != x.length()) {
                throw new ImageFormatException(where + ": extent at " + x.offset() + " is "
                    + x.length() + " bytes but entry " + x.entry() + " holds "
                    + entries.get(x.entry()).size());
            }
        }
        return new ImageRoot(score, root, meta, entries);
    }

    /**
     * Writes the metadata stream, the directory and the root block, and returns the new root.
     * The data entries must already be in the store.
     *
     * @param dataEntries entries 1..n-1 in order: extent {@code entry} values index this list + 1
     */
    static ImageRoot write(BlockStore store, String name, Score prev, ImageMeta meta,
        List<VtEntry> dataEntries) throws IOException {
        if (dataEntries.size() + 1 > MAX_ENTRIES)
            throw new IOException("an image holds at most " + (MAX_ENTRIES - 1) + " extents");
        byte[] mb = meta.toBytes();
        TreeWriter tw = new TreeWriter(store, PSIZE, META_DSIZE, false);
        for (int off = 0; off < mb.length; off += META_DSIZE)
            tw.append(mb, off, Math.min(META_DSIZE, mb.length - off));
        List<VtEntry> all = new ArrayList<>();
        all.add(tw.finish(mb.length));
        all.addAll(dataEntries);
        ByteBuffer dir = ByteBuffer.allocate(all.size() * VtEntry.SIZE);
        int blockSize = Math.max(PSIZE, dir.capacity());
        for (VtEntry e : all) {
            e.pack(dir);
            blockSize = Math.max(blockSize, e.dsize());
        }
        Score dirScore = store.put(BlockType.DIR, dir.array());
        VtRoot root = new VtRoot(fitName(name), TYPE, dirScore, Math.min(blockSize, 0xffff), prev);
        Score score = store.put(BlockType.ROOT, root.toBytes());
        return new ImageRoot(score, root, meta, all);
    }

    /** Cuts a name to what a VtRoot holds (127 UTF-8 bytes, no NUL). */
    static String fitName(String name) {
        String n = name.replace('\0', '_');
        while (n.getBytes(StandardCharsets.UTF_8).length >= VtRoot.NAME_SIZE)
            n = n.substring(0, n.length() - 1);
        return n;
    }

    public Score score() {
        return score;
    }

    public Score prev() {
        return root.prev();
    }

    public String name() {
        return root.name();
    }

    public VtRoot vtRoot() {
        return root;
    }

    public ImageMeta meta() {
        return meta;
    }

    public long size() {
        return meta.size();
    }

    public long timeMillis() {
        return meta.timeMillis();
    }

    public Kind kind() {
        return meta.kind();
    }

    public boolean snapshot() {
        return meta.snapshot();
    }

    public String message() {
        return meta.message();
    }

    public long changedBlocks() {
        return meta.changedBlocks();
    }

    public List<Extent> extents() {
        return meta.extents();
    }

    /** All directory entries; entry 0 is the metadata stream. */
    public List<VtEntry> entries() {
        return entries;
    }

    /** The data stream of an extent. */
    public VtEntry entry(Extent x) {
        return entries.get(x.entry());
    }

    @Override
    public String toString() {
        return "ImageRoot{" + score + " " + root.name() + " size=" + size() + " " + kind() + "}";
    }
}
