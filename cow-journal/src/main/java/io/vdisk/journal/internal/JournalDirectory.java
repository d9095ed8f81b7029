package io.vdisk.journal.internal;

import io.vdisk.journal.BaseImage;
import io.vdisk.journal.JournalCorruptException;
import io.vdisk.journal.JournalOptions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A journal's directory: {@code journal.lock} (held with an OS file lock so two processes never
 * share a journal), the generation logs {@code gen-<seq>.log} and at most
 * {@value #MAX_SPARES} spare {@code spare-<seq>.log}. Versions that kept the logs' block indexes
 * in scratch files ({@code gen-<seq>.log.idx}) may have left some; recovery deletes them.
 *
 * <p>
 * <b>Spares.</b> A log that is done with (released, committed, replaced) is renamed to a spare
 * named after its sequence instead of being deleted, and the next {@link #create} renames the
 * spare back into a generation, so steady-state appends overwrite blocks the file system has
 * already allocated (see {@link LogFormat} for why its stale bytes never validate). One spare
 * suffices for the seal/release cycle and bounds the disk held to one generation's worth. A
 * spare is never read: its content is dead once the rename is durable, and before that the file
 * is still the generation and the rules below decide about it. Sequences are handed out here,
 * above every sequence named in the directory (spares included), so a reused file never holds a
 * record with its new generation's sequence.
 *
 * <p>
 * Recovery rules, in order: spares beyond the limit are deleted; a newest log whose creation was
 * torn is deleted; every log is replayed ({@link LogRecovery}); a sealed log whose base tag
 * differs from the image's current one was already committed and is retired; two unsealed logs
 * mean a crash inside {@code Journal.discard} or {@code rebase}, which create the new, empty log
 * before retiring the old ones, so the newer must be empty and the older ones (sealed included)
 * are retired, finishing the operation; at most one sealed log may remain and it must be older
 * than the single unsealed (active) log; an empty or missing active log is (re)created over the
 * right start size.
 *
 * <p>
 * Not thread-safe; the journal calls it under its locks.
 */
public final class JournalDirectory implements AutoCloseable {
    /** Spares kept: enough for the seal/release cycle, bounded because each holds disk space. */
    static final int MAX_SPARES = 1;
    private static final String LOCK_FILE = "journal.lock";

    private final Path dir;
    private final int blockSize;
    private final boolean sync;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ArrayDeque<Path> spares = new ArrayDeque<>();
    private long nextSequence = 1;

    private JournalDirectory(Path dir, JournalOptions opts, FileChannel lockChannel,
        FileLock lock) {
        this.dir = dir;
        this.blockSize = opts.blockSize();
        this.sync = opts.sync();
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    public static JournalDirectory lock(Path dir, JournalOptions opts) throws IOException {
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            ch.close();
            throw new IOException(dir + ": journal is in use by another process or instance");
        }
        return new JournalDirectory(dir, opts, ch, l);
    }

    /**
     * Whether a journal directory may hold writes, without taking its lock or keeping a file
     * open: whether any generation log {@link LogRecovery#mayHoldRecords may hold records}.
     * Spares are never read, so they do not count; nor does a missing directory, nor a log
     * that a journal open meanwhile retired between the listing and the read.
     */
    public static boolean mayHoldWrites(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return false;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (LogFormat.parseFileName(p.getFileName().toString()) < 0) continue;
                try {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        && LogRecovery.mayHoldRecords(p)) return true;
                } catch (NoSuchFileException gone) {
                    // renamed to a spare or deleted: it holds nothing any more
                }
            }
        } catch (NoSuchFileException gone) {
            return false;
        }
        return false;
    }

    /** Returns {sealed or null, active}, following the rules in the class comment. */
    public GenerationLog[] recover(BaseImage base, String baseTag) throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        TreeMap<Long, Path> spareFiles = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(".log.idx")) {
                    Files.delete(p); // an old version's scratch index, left by a crash
                    continue;
                }
                long seq = LogFormat.parseFileName(name);
                long spareSeq = LogFormat.parseSpareFileName(name);
                if (seq >= 0) {
                    files.put(seq, p);
                } else if (spareSeq >= 0) {
                    spareFiles.put(spareSeq, p);
                }
            }
        }
        long last = Math.max(files.isEmpty() ? 0 : files.lastKey(),
            spareFiles.isEmpty() ? 0 : spareFiles.lastKey());
        nextSequence = last + 1;
        boolean changed = false;
        while (spareFiles.size() > MAX_SPARES) {
            Files.delete(spareFiles.pollFirstEntry().getValue());
            changed = true;
        }
        spares.clear();
        spares.addAll(spareFiles.values());
        if (!files.isEmpty() && LogRecovery.isTornCreation(files.lastEntry().getValue())) {
            Files.delete(files.pollLastEntry().getValue());
            changed = true;
        }
        if (changed) {
            sync();
        }
        List<GenerationLog> logs = new ArrayList<>();
        try {
            for (var e : files.entrySet()) {
                logs.add(LogRecovery.recover(e.getValue(), e.getKey(), blockSize, sync));
            }
            GenerationLog sealed = null;
            List<GenerationLog> unsealed = new ArrayList<>();
            for (GenerationLog log : new ArrayList<>(logs)) {
                if (log.isSealed() && !log.sealTag().equals(baseTag)) {
                    logs.remove(log); // committed before the crash, released not yet
                    retire(log);
                    changed = true;
                } else if (log.isSealed()) {
                    if (sealed != null) {
                        throw new JournalCorruptException(log.path(), 0,
                            "second sealed generation over base " + baseTag + " (other: "
                                + sealed.path() + ")");
                    }
                    sealed = log;
                } else {
                    unsealed.add(log);
                }
            }
            if (unsealed.size() > 2 || unsealed.size() == 2 && !unsealed.get(1).isEmpty()) {
                throw new JournalCorruptException(unsealed.get(1).path(), 0,
                    "second unsealed generation (other: " + unsealed.get(0).path() + ")");
            }
            if (unsealed.size() == 2) {
                // discard or rebase had created the new log: finish it
                logs.remove(unsealed.get(0));
                retire(unsealed.remove(0));
                if (sealed != null) {
                    logs.remove(sealed);
                    retire(sealed);
                    sealed = null;
                }
                changed = true;
            }
            GenerationLog active = unsealed.isEmpty() ? null : unsealed.get(0);
            if (sealed != null && active != null && active.sequence() < sealed.sequence()) {
                throw new JournalCorruptException(active.path(), 0,
                    "unsealed generation older than sealed " + sealed.path());
            }
            long startSize = sealed != null ? sealed.size() : base.size();
            if (active == null || active.isEmpty()) {
                if (active != null) {
                    logs.remove(active);
                    retire(active);
                }
                active = create(startSize); // forces the directory
                logs.add(active);
            } else if (changed) {
                sync();
            }
            return new GenerationLog[]{sealed, active};
        } catch (IOException | RuntimeException e) {
            for (GenerationLog log : logs) {
                try {
                    log.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Creates the next generation's log, reusing a spare if there is one, and makes its
     * directory entry durable.
     */
    public GenerationLog create(long startSize) throws IOException {
        Path spare = spares.pollFirst();
        long sequence = nextSequence++; // never handed out twice, even if this attempt fails
        GenerationLog log;
        try {
            log = GenerationLog.create(dir, sequence, blockSize, startSize, sync, spare);
        } catch (IOException | RuntimeException e) {
            if (spare != null && Files.exists(spare)) {
                spares.addFirst(spare);
            }
            throw e;
        }
        try {
            sync();
        } catch (IOException | RuntimeException e) {
            // a failed create leaves no new generation behind (see Journal.seal)
            try {
                log.closeAndDelete();
            } catch (IOException | RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        return log;
    }

    /** Whether a generation log (a regular file) newer than {@code sequence} is here. */
    public boolean holdsLogAfter(long sequence) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                .map(p -> LogFormat.parseFileName(p.getFileName().toString()))
                .anyMatch(s -> s > sequence);
        }
    }

    /**
     * Closes a log that is done with and keeps its file as a spare, or deletes it if there are
     * {@value #MAX_SPARES} spares already. The caller forces the directory. The rename is atomic,
     * so after a crash the file is either still the generation or a spare, never half of each.
     */
    public void retire(GenerationLog log) throws IOException {
        if (spares.size() >= MAX_SPARES) {
            log.closeAndDelete();
            return;
        }
        log.close();
        Path spare = dir.resolve(LogFormat.spareFileName(log.sequence()));
        Files.move(log.path(), spare, StandardCopyOption.ATOMIC_MOVE);
        spares.addLast(spare);
    }

    /** Length of the spare {@link #create} would reuse next, 0 if there is none. */
    public long spareLength() throws IOException {
        Path next = spares.peekFirst();
        return next == null ? 0 : Files.size(next);
    }

    /** Forces the directory, making creations, deletions and truncations of entries durable. */
    public void sync() throws IOException {
        if (sync) {
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (lockChannel.isOpen()) {
            try {
                lock.release();
            } finally {
                lockChannel.close();
            }
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
