package io.vdisk.journal;

import io.vdisk.journal.internal.BackPressure;
import io.vdisk.journal.internal.GenerationLog;
import io.vdisk.journal.internal.JournalDirectory;
import io.vdisk.journal.internal.Layers;
import io.vdisk.journal.internal.LogFormat;
import io.vdisk.journal.internal.SealedGeneration;
import io.vdisk.venti.Gather;
import io.vdisk.venti.ZeroTruncation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The write journal of one live image: dirty blocks over a read-only {@link BaseImage}.
 *
 * <p>
 * Reads see the active generation, then the sealed one (if any), then the base. Partial-block
 * writes are merged with the current content; {@link #zero} stores no data.
 *
 * <p>
 * <b>Durability.</b> Writes go to the active generation's log in the page cache. {@link #flush}
 * makes every write that returned before it was called durable with one fdatasync of the active
 * log, shared by concurrent callers (group commit). {@link #seal} makes the sealed generation
 * durable (its SEAL record and checkpoint are forced) before creating and forcing the next
 * log and its directory entry. {@link #release} renames the released log to a spare (reused by
 * the next seal, so appends overwrite allocated blocks) and forces the directory. After a
 * crash, {@link #open} keeps every flushed write, cuts unflushed torn tails (and a recycled
 * file's stale bytes), and keeps a sealed generation only if its base tag still equals the
 * image's current one.
 *
 * <p>
 * Thread-safe: many concurrent readers and writers. Readers run in parallel; writers are
 * serialised with each other and with readers by one read-write lock; fdatasync runs outside it
 * so writers go on while a flush waits for the disk. Lock order: the sync lock, then the state
 * lock, then a generation's guard.
 */
public final class Journal implements AutoCloseable {
    private final JournalDirectory directory;
    private final int blockSize;
    private final BackPressure pressure;
    private final ReentrantReadWriteLock state = new ReentrantReadWriteLock();
    private final ReentrantLock syncLock = new ReentrantLock();

    // guarded by state
    private BaseImage base;
    private String baseTag;
    private volatile GenerationLog active; // volatile: size() reads it without the lock
    private GenerationLog sealed;
    private SealedGeneration sealedView;
    private boolean closed;
    /** Completed mutations; read without the lock by flush() to pick its target. */
    private volatile long mutations;
    private long durableMutations; // guarded by syncLock

    private Journal(JournalDirectory directory, JournalOptions opts, BaseImage base,
        String baseTag) {
        this.directory = directory;
        this.blockSize = opts.blockSize();
        this.pressure = new BackPressure(opts.maxDirtyBytes(), opts.flushWantedBytes(),
            opts.flushWanted());
        this.base = base;
        this.baseTag = baseTag;
    }

    /**
     * Creates the journal in {@code dir}, or recovers the one there. {@code baseTag} names the
     * base the image's {@code .vdisk} file currently points at.
     *
     * @throws JournalCorruptException if flushed or sealed data is damaged
     */
    public static Journal open(java.nio.file.Path dir, BaseImage base, String baseTag,
        JournalOptions opts) throws IOException {
        Objects.requireNonNull(base);
        Objects.requireNonNull(baseTag);
        JournalDirectory d = JournalDirectory.lock(dir, opts);
        try {
            Journal j = new Journal(d, opts, base, baseTag);
            GenerationLog[] logs = d.recover(base, baseTag);
            j.sealed = logs[0];
            j.active = logs[1];
            if (j.sealed != null) {
                j.sealedView = new SealedGeneration(j.sealed, base);
            }
            j.pressure.released(j.dirtyLocked());
            return j;
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /**
     * Whether the journal in {@code dir} may hold writes (flushed or not, sealed or not), read
     * without opening it: false means {@link #open} would find nothing to keep, so a server can
     * leave the journal closed until its image is used. Damage counts as writes, for
     * {@link #open} to report. Takes no lock; a journal open elsewhere may change meanwhile.
     */
    public static boolean mayHoldWrites(java.nio.file.Path dir) throws IOException {
        return JournalDirectory.mayHoldWrites(dir);
    }

    /**
     * Current image size. Takes no lock: protocol threads ask it for every request and must not
     * queue behind a writer.
     */
    public long size() {
        return active.size();
    }

    public int blockSize() {
        return blockSize;
    }

    /**
     * Changes the dirty-size thresholds while open (the policy changed): the flush-wanted
     * callback runs above {@code flushWantedBytes}, writers wait at {@code maxDirtyBytes}.
     */
    public void dirtyLimits(long flushWantedBytes, long maxDirtyBytes) {
        if (flushWantedBytes < 0 || maxDirtyBytes <= 0) {
            throw new IllegalArgumentException("dirty limits " + flushWantedBytes + ", "
                + maxDirtyBytes);
        }
        pressure.limits(maxDirtyBytes, flushWantedBytes);
    }

    /** Journal bytes held on disk (record headers included) by the active and sealed logs. */
    public long dirtyBytes() {
        return pressure.dirty();
    }

    /**
     * Writes {@code src} (position to limit) at {@code offset}, which must lie within the
     * image. Waits first while the journal is at {@link JournalOptions#maxDirtyBytes()}.
     */
    public void write(long offset, ByteBuffer... src) throws IOException {
        long length = 0;
        for (ByteBuffer b : src)
            length += b.remaining();
        mutate(offset, length, new Source(src));
    }

    /** Makes {@code [offset, offset+length)} read as zeros; whole blocks store no data. */
    public void zero(long offset, long length) throws IOException {
        mutate(offset, length, null);
    }

    private void mutate(long offset, long length, Source src) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative offset or length");
        }
        pressure.awaitRoom();
        long dirty;
        state.writeLock().lock();
        try {
            ensureOpen();
            if (offset + length > active.size()) {
                throw new IllegalArgumentException("range " + offset + "+" + length
                    + " past the image size " + active.size());
            }
            if (src != null) {
                writeRange(offset, length, src);
            } else {
                zeroRange(offset, length);
            }
            mutations++;
            dirty = dirtyLocked();
        } finally {
            state.writeLock().unlock();
        }
        pressure.written(dirty);
    }

    /**
     * Appends DATA records; {@code src == null} writes zeros. Runs of whole blocks go from
     * {@code src} to the log as they are; a partial block is merged with the block's current
     * bytes in the staging buffer first. Holds the write lock.
     */
    private void writeRange(long offset, long length, Source src) throws IOException {
        int maxBlocks = LogFormat.MAX_DATA_PAYLOAD / blockSize;
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long first = pos / blockSize;
            if (src != null && pos == first * blockSize && end - pos >= blockSize) {
                int count = (int) Math.min(maxBlocks, (end - pos) / blockSize);
                active.appendData(first, count, src.take(count * blockSize));
                pos += (long) count * blockSize;
                continue;
            }
            long last = (end - 1) / blockSize;
            int count = src != null ? 1 : (int) Math.min(maxBlocks, last - first + 1);
            ByteBuffer payload = active.beginData(count);
            for (int i = 0; i < count; i++) {
                long blockStart = (first + i) * blockSize;
                int from = (int) (pos - blockStart);
                int n = (int) Math.min(blockSize - from, end - pos);
                ByteBuffer slot = payload.slice(i * blockSize, blockSize);
                if (n != blockSize) {
                    Layers.read(layers(), base, blockSize, blockStart, slot.duplicate());
                }
                slot.position(from).limit(from + n);
                if (src == null) {
                    ZeroTruncation.fill(slot, slot.remaining());
                } else {
                    for (ByteBuffer b : src.take(n))
                        slot.put(b);
                }
                pos += n;
            }
            active.commitData(first, count);
        }
    }

    /** The bytes of one write, spread over buffers that are consumed front to back. */
    private static final class Source {
        private final ByteBuffer[] parts;
        private int next;

        Source(ByteBuffer[] parts) {
            this.parts = parts;
        }

        /** The next {@code n} bytes as views of the parts: nothing is copied. */
        ByteBuffer[] take(int n) {
            ByteBuffer[] out = new ByteBuffer[4];
            int k = 0;
            while (n > 0) {
                ByteBuffer p = parts[next];
                if (!p.hasRemaining()) {
                    next++;
                    continue;
                }
                int len = Math.min(n, p.remaining());
                if (k == out.length) out = java.util.Arrays.copyOf(out, 2 * k);
                out[k++] = p.slice(p.position(), len);
                p.position(p.position() + len);
                n -= len;
            }
            return k == out.length ? out : java.util.Arrays.copyOf(out, k);
        }
    }

    private void zeroRange(long offset, long length) throws IOException {
        long end = offset + length;
        long firstWhole = (offset + blockSize - 1) / blockSize;
        long endWhole = end / blockSize;
        if (firstWhole >= endWhole) {
            writeRange(offset, length, null);
            return;
        }
        writeRange(offset, firstWhole * blockSize - offset, null);
        for (long b = firstWhole; b < endWhole;) {
            int n = (int) Math.min(Integer.MAX_VALUE, endWhole - b);
            active.appendZero(b, n);
            b += n;
        }
        writeRange(endWhole * blockSize, end - endWhole * blockSize, null);
    }

    /**
     * Reads at {@code offset} into {@code dst}, up to the image size.
     *
     * @return bytes read, or -1 if {@code offset} is at or past the end of the image
     */
    public int read(long offset, ByteBuffer dst) throws IOException {
        return read(offset, dst.remaining(), Gather.into(dst));
    }

    /**
     * Gathers up to {@code length} bytes at {@code offset} into {@code out}, up to the image
     * size.
     *
     * @return bytes read, or -1 if {@code offset} is at or past the end of the image
     */
    public int read(long offset, int length, Gather out) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset");
        }
        state.readLock().lock();
        try {
            ensureOpen();
            long size = active.size();
            if (offset >= size) {
                return length > 0 ? -1 : 0;
            }
            int n = (int) Math.min(length, size - offset);
            Layers.read(layers(), base, blockSize, offset, n, out);
            return n;
        } finally {
            state.readLock().unlock();
        }
    }

    /** Sets the image size; growing reads zeros, shrinking forgets the cut-off bytes. */
    public void resize(long newSize) throws IOException {
        if (newSize < 0) {
            throw new IllegalArgumentException("negative size");
        }
        long dirty;
        state.writeLock().lock();
        try {
            ensureOpen();
            long size = active.size();
            if (newSize < size && newSize % blockSize != 0) {
                // the cut block's tail must read as zeros if the image grows again
                long blockEnd = Math.min(size, (newSize / blockSize + 1) * blockSize);
                writeRange(newSize, blockEnd - newSize, null);
            }
            active.appendResize(newSize);
            mutations++;
            dirty = dirtyLocked();
        } finally {
            state.writeLock().unlock();
        }
        pressure.written(dirty);
    }

    /**
     * Returns once every write that completed before the call is durable. Concurrent callers
     * share one fdatasync: whoever holds the sync lock forces for everyone queued behind it.
     */
    public void flush() throws IOException {
        long target = mutations;
        syncLock.lock();
        try {
            if (durableMutations >= target) {
                return;
            }
            long upTo;
            GenerationLog log;
            state.readLock().lock();
            try {
                ensureOpen();
                upTo = mutations;
                log = active;
            } finally {
                state.readLock().unlock();
            }
            // seal/release/close take the sync lock too, so the log cannot be closed meanwhile
            log.force();
            durableMutations = upTo;
        } finally {
            syncLock.unlock();
        }
    }

    /**
     * Freezes the active dirty set into a durable sealed generation over the current base; new
     * writes go to a fresh generation.
     *
     * @throws IllegalStateException if a sealed generation is still pending
     */
    public Generation seal() throws IOException {
        syncLock.lock();
        state.writeLock().lock();
        try {
            ensureOpen();
            if (sealed != null) {
                throw new IllegalStateException(
                    "generation " + sealed.sequence() + " is sealed and not yet released");
            }
            active.appendSeal(baseTag);
            GenerationLog next;
            try {
                next = directory.create(active.size());
            } catch (IOException | RuntimeException e) {
                unsealAfterFailedCreate(e);
                throw e;
            }
            sealed = active;
            active = next;
            sealedView = new SealedGeneration(sealed, base);
            durableMutations = mutations;
            return sealedView;
        } finally {
            state.writeLock().unlock();
            syncLock.unlock();
        }
    }

    /**
     * With no room for the next log, the active one must go on taking writes: its seal is taken
     * back. Only while no newer log is on disk, though: recovery reads an unsealed log beside a
     * newer, empty one as a discard half done and drops the older.
     */
    private void unsealAfterFailedCreate(Exception e) {
        try {
            if (!directory.holdsLogAfter(active.sequence())) active.unseal();
        } catch (IOException | RuntimeException again) {
            e.addSuppressed(again);
        }
    }

    /** The sealed generation waiting to be committed, if any (also after recovery). */
    public Optional<Generation> pendingGeneration() {
        state.readLock().lock();
        try {
            return Optional.ofNullable(sealedView);
        } finally {
            state.readLock().unlock();
        }
    }

    /**
     * {@code g} was committed into {@code newBase}: reads switch to it atomically and g's log is
     * retired (kept as a spare for reuse, or deleted). Call only after the new base is durable
     * and the image file names {@code newBaseTag}.
     */
    public void release(Generation g, BaseImage newBase, String newBaseTag) throws IOException {
        Objects.requireNonNull(newBase);
        Objects.requireNonNull(newBaseTag);
        long dirty;
        syncLock.lock();
        state.writeLock().lock();
        try {
            ensureOpen();
            if (g == null || g != sealedView) {
                throw new IllegalStateException(g + " is not this journal's pending generation");
            }
            sealedView.invalidate();
            base = newBase;
            baseTag = newBaseTag;
            dropSealed();
            directory.sync(); // a crash before this leaves the log, dropped again on open
            recycleIntoActive();
            dirty = dirtyLocked();
        } finally {
            state.writeLock().unlock();
            syncLock.unlock();
        }
        pressure.released(dirty);
    }

    /**
     * Drops all journal content, sealed generation included; the base stays. Crash-atomic: the
     * new empty log is durable first, and recovery treats an empty unsealed log beside an older
     * unsealed one as this operation half done and retires the older logs. The sealed log goes
     * durably before the old active one, so no crash leaves the sealed one without the writes
     * made after it.
     */
    public void discard() throws IOException {
        long dirty;
        syncLock.lock();
        state.writeLock().lock();
        try {
            ensureOpen();
            GenerationLog next = directory.create(base.size());
            if (sealedView != null) {
                sealedView.invalidate();
                dropSealed();
                directory.sync();
            }
            replaceActive(next);
            dirty = dirtyLocked();
        } finally {
            state.writeLock().unlock();
            syncLock.unlock();
        }
        pressure.released(dirty);
    }

    /**
     * Puts the journal over a different base, e.g. after a rollback.
     *
     * @throws IllegalStateException if anything is dirty or sealed
     */
    public void rebase(BaseImage newBase, String newBaseTag) throws IOException {
        Objects.requireNonNull(newBase);
        Objects.requireNonNull(newBaseTag);
        syncLock.lock();
        state.writeLock().lock();
        try {
            ensureOpen();
            if (sealed != null || !active.isEmpty()) {
                throw new IllegalStateException("rebase needs an empty journal");
            }
            replaceActive(directory.create(newBase.size()));
            base = newBase;
            baseTag = newBaseTag;
        } finally {
            state.writeLock().unlock();
            syncLock.unlock();
        }
    }

    /** The tag of the base reads currently fall through to. */
    public String baseTag() {
        state.readLock().lock();
        try {
            return baseTag;
        } finally {
            state.readLock().unlock();
        }
    }

    /** Checkpoints the active log (a clean close leaves nothing to cut) and closes the files. */
    @Override
    public void close() throws IOException {
        syncLock.lock();
        state.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            pressure.close();
            try (JournalDirectory d = directory;
                GenerationLog a = active;
                GenerationLog s = sealed) {
                if (sealedView != null) {
                    sealedView.invalidate();
                }
                a.checkpoint();
            }
        } finally {
            state.writeLock().unlock();
            syncLock.unlock();
        }
    }

    /** Switches to {@code next}, already created and durable, and retires the old active log. */
    private void replaceActive(GenerationLog next) throws IOException {
        GenerationLog old = active;
        active = next;
        directory.retire(old);
        directory.sync();
        durableMutations = mutations;
    }

    /**
     * Swaps the empty active log, made at the seal as a new file or from a smaller spare, for a
     * new generation in the larger file just retired: the next writes then overwrite blocks the
     * file system has allocated and pages the page cache holds, instead of allocating both (a
     * 1 GiB write into a new file took 2.5 s here, over a cached one 0.2 s). A crash between
     * the two steps leaves an empty newest log beside the empty older one, which recovery
     * retires as a {@link #discard} half done: nothing was in it. Best effort: a failure leaves
     * the release done and the active log as it was, or replaced. Holds both locks.
     */
    private void recycleIntoActive() {
        try {
            if (active.isEmpty() && directory.spareLength() > active.fileLength())
                replaceActive(directory.create(active.size()));
        } catch (IOException e) {
            // the release itself is done; the next writes merely go to a new file
            System.getLogger(Journal.class.getName()).log(System.Logger.Level.WARNING,
                "{0}: cannot reuse the released log: {1}", directory, e.toString());
        }
    }

    /** Retires the sealed log; the caller forces the directory. */
    private void dropSealed() throws IOException {
        GenerationLog s = sealed;
        sealed = null;
        sealedView = null;
        directory.retire(s);
    }

    private GenerationLog[] layers() {
        return sealed == null
            ? new GenerationLog[]{active}
            : new GenerationLog[]{active, sealed};
    }

    private long dirtyLocked() {
        return active.dirtyBytes() + (sealed == null ? 0 : sealed.dirtyBytes());
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("journal " + directory + " is closed");
        }
    }
}
