package io.vdisk.live;

import io.vdisk.image.ByteRanges;
import io.vdisk.image.Image;
import io.vdisk.image.ImageCommit;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.Kind;
import io.vdisk.image.VdiskFile;
import io.vdisk.venti.Gather;
import io.vdisk.journal.Generation;
import io.vdisk.journal.Journal;
import io.vdisk.journal.JournalOptions;
import io.vdisk.venti.BlockStore;
import io.vdisk.venti.Score;
import io.vdisk.venti.ZeroTruncation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A writable image: its journal over the tree its {@code .vdisk} file names. Reads see the
 * journal first, then the committed tree; writes go to the journal. Commits (building a new
 * tree and root from a sealed journal generation) are driven by the flusher.
 *
 * <p>Thread-safe: the journal and the image reader are; the head is replaced atomically.
 */
public final class LiveImage implements AutoCloseable {
    private final String name;
    private final Path file;
    private final BlockStore store;
    private final Journal journal;
    private volatile ImageRoot head;
    private volatile Image headImage;
    private final AtomicInteger writers = new AtomicInteger();
    /** Clients using the image; {@value #RETIRED} once it is closed for being idle. */
    private final AtomicInteger users = new AtomicInteger();
    private static final int RETIRED = -1;

    private LiveImage(String name, Path file, BlockStore store, Journal journal, ImageRoot head) {
        this.name = name;
        this.file = file;
        this.store = store;
        this.journal = journal;
        this.head = head;
        this.headImage = Image.of(store, head);
    }

    /**
     * Opens the image at {@code file} with its journal in {@code journalDir}, recovering the
     * journal against the score the file names now.
     */
    public static LiveImage open(String name, Path file, BlockStore store, Path journalDir,
        JournalOptions options) throws IOException {
        Score score = VdiskFile.read(file);
        ImageRoot root = ImageRoot.load(store, score);
        Image image = Image.of(store, root);
        Journal j = Journal.open(journalDir, new ImageBase(image), score.toHex(), options);
        return new LiveImage(name, file, store, j, root);
    }

    public String name() {
        return name;
    }

    public Path file() {
        return file;
    }

    public BlockStore store() {
        return store;
    }

    public Journal journal() {
        return journal;
    }

    public ImageRoot head() {
        return head;
    }

    public long size() {
        return journal.size();
    }

    public void read(long offset, byte[] dst, int off, int len) throws IOException {
        read(offset, ByteBuffer.wrap(dst, off, len));
    }

    /** Fills {@code dst} from its position to its limit; zeros past the end of the disk. */
    public void read(long offset, ByteBuffer dst) throws IOException {
        journal.read(offset, dst);
        ZeroTruncation.fill(dst, dst.remaining());
    }

    /** Gathers {@code length} bytes at {@code offset} into {@code out}; zeros past the end. */
    public void read(long offset, int length, Gather out) throws IOException {
        int n = journal.read(offset, length, out);
        out.zeros(length - Math.max(0, n));
    }

    public void write(long offset, byte[] src, int off, int len) throws IOException {
        write(offset, ByteBuffer.wrap(src, off, len));
    }

    public void write(long offset, ByteBuffer... src) throws IOException {
        journal.write(offset, src);
    }

    public void zero(long offset, long length) throws IOException {
        journal.zero(offset, length);
    }

    public void resize(long newSize) throws IOException {
        journal.resize(newSize);
    }

    /**
     * Sets the policy's early-flush threshold: the journal asks for a flush above it and holds
     * at most four times it before writers wait.
     */
    public void dirtyThreshold(long bytes) {
        journal.dirtyLimits(bytes, 4 * bytes);
    }

    /** Every write before this call survives a crash when it returns. */
    public void flush() throws IOException {
        journal.flush();
    }

    /**
     * Zero and data runs of {@code [offset, offset+length)}, for NBD block status. Where the
     * committed tree holds data the run is data, unread: "data" only says the bytes may be
     * non-zero, and reading to find out would double the cost of a copy that asks first. Where
     * the tree has a hole (or past its end) the journal may have written since, so those bytes
     * are read through the journal, which is cheap: no store block backs them. At most {@code
     * maxScan} bytes are read, so the answer may cover less than asked.
     */
    public List<Run> runs(long offset, long length, long maxScan) throws IOException {
        List<Run> out = new ArrayList<>();
        Image base = headImage;
        long end = Math.min(offset + length, size());
        long pos = offset;
        long scanned = 0;
        byte[] buf = null;
        while (pos < end && scanned < maxScan && out.size() < 1024) {
            long data = pos < base.size() ? Math.min(end, base.nextData(pos)) : end;
            if (data == pos) {
                long hole = base.nextHole(pos, end);
                add(out, Math.max(1, hole - pos), false);
                pos = Math.max(pos + 1, hole);
                continue;
            }
            // a hole of the committed tree: zero unless the journal wrote there
            if (buf == null) buf = new byte[64 << 10];
            while (pos < data && scanned < maxScan) {
                int n = (int) Math.min(buf.length - pos % buf.length, data - pos);
                read(pos, buf, 0, n);
                add(out, n, ZeroTruncation.isAllZero(buf, 0, n));
                pos += n;
                scanned += n;
            }
        }
        return out;
    }

    private static void add(List<Run> out, long n, boolean zero) {
        if (!out.isEmpty() && out.get(out.size() - 1).zero() == zero) {
            Run last = out.remove(out.size() - 1);
            out.add(new Run(last.length() + n, zero));
        } else {
            out.add(new Run(n, zero));
        }
    }

    /** A run of bytes that all read as zero, or not. */
    public record Run(long length, boolean zero) {
    }

    /**
     * Writes (unsynced) the tree and root for {@code gen} applied on the head; with a null
     * generation the content is the head's. The new root's prev is the newest snapshot: the head
     * itself if it is one, else the head's prev, so a working root replaces the last working root.
     */
    public ImageRoot writeRoot(Generation gen, Kind kind, boolean snapshot, String message,
        Instant time) throws IOException {
        return writeRoot(head, gen, kind, snapshot, message, time);
    }

    /** As above, on top of {@code old} rather than the current head. */
    public ImageRoot writeRoot(ImageRoot old, Generation gen, Kind kind, boolean snapshot,
        String message, Instant time) throws IOException {
        Score prev = old.snapshot() ? old.score() : old.prev();
        if (gen == null) {
            Image img = old.score().equals(head.score()) ? headImage : Image.of(store, old);
            return ImageCommit.commit(store, old, old.size(), new ByteRanges(), img::read, kind,
                snapshot, message, prev, time.toEpochMilli());
        }
        ByteRanges dirty = new ByteRanges();
        long size = gen.size();
        int bs = gen.blockSize();
        gen.forEachBlock((block, content) -> {
            long at = block * bs;
            if (at < size) dirty.add(at, Math.min(bs, size - at));
        });
        // Shrunk then grown within the generation: the old bytes in between are gone.
        long cut = Math.min(gen.minSize(), old.size());
        if (cut < Math.min(old.size(), size)) dirty.add(cut, Math.min(old.size(), size) - cut);
        return ImageCommit.commit(store, old, size, dirty,
            (off, dst, o, len) -> gen.read(off, ByteBuffer.wrap(dst, o, len)), kind, snapshot,
            message, prev, time.toEpochMilli());
    }

    /** A new root with {@code content}'s disk and the given prev: for rollback and pruning. */
    public ImageRoot writeRelinked(ImageRoot content, Kind kind, boolean snapshot, String message,
        Score prev, long timeMillis) throws IOException {
        Image img = Image.of(store, content);
        return ImageCommit.commit(store, content, content.size(), new ByteRanges(), img::read,
            kind, snapshot, message, prev, timeMillis);
    }

    /** Makes the file name {@code root} (atomically) and reads through it from now on. */
    public void publish(ImageRoot root, VdiskFile.Step afterTemp, VdiskFile.Step afterRename)
        throws IOException {
        VdiskFile.write(file, root.score(), afterTemp, afterRename);
        head = root;
        headImage = Image.of(store, root);
    }

    /** The journal's base view of a committed root. */
    public ImageBase baseFor(ImageRoot root) {
        return root.score().equals(head.score())
            ? new ImageBase(headImage)
            : new ImageBase(Image.of(store, root));
    }

    /**
     * Counts a client using the image until it {@link #release}s it; writers block rollback
     * without force. An image in use is never closed for being idle.
     *
     * @return false if the image was retired (closed for being idle): open it again
     */
    public boolean tryAcquire(boolean forWriting) {
        for (int u = users.get(); u != RETIRED; u = users.get()) {
            if (users.compareAndSet(u, u + 1)) {
                if (forWriting) writers.incrementAndGet();
                return true;
            }
        }
        return false;
    }

    public void release(boolean forWriting) {
        if (forWriting) writers.decrementAndGet();
        users.decrementAndGet();
    }

    /**
     * Retires the image if no client uses it and its journal holds nothing, so that no client
     * can take it from now on: the caller closes it.
     */
    boolean retireIfIdle() {
        if (!journalEmpty() || !users.compareAndSet(0, RETIRED)) return false;
        if (journalEmpty()) return true;
        users.set(0); // written between the check and the retirement
        return false;
    }

    private boolean journalEmpty() {
        return journal.dirtyBytes() == 0 && journal.pendingGeneration().isEmpty();
    }

    /** Whether the image was closed for being idle (see {@link #retireIfIdle}). */
    public boolean retired() {
        return users.get() == RETIRED;
    }

    public boolean openForWriting() {
        return writers.get() > 0;
    }

    @Override
    public void close() throws IOException {
        journal.close();
    }

    @Override
    public String toString() {
        return name + "@" + head.score().abbreviated(12);
    }
}
