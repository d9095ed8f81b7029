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
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A journal's directory: {@code journal.lock} (held with an OS file lock so two processes never
 * share a journal), the generation logs {@code gen-<seq>.log}, and their scratch indexes
 * {@code gen-<seq>.log.idx} (rebuilt on every open, never durable).
 *
 * <p>
 * Recovery rules, in order: a newest log whose creation was torn is deleted; every log is
 * replayed ({@link LogRecovery}); a sealed log whose base tag differs from the image's current
 * one was already committed and is deleted; at most one sealed log may remain and it must be
 * older than the single unsealed (active) log; an empty or missing active log is (re)created
 * over the right start size.
 *
 * <p>
 * Not thread-safe; the journal calls it under its locks.
 */
public final class JournalDirectory implements AutoCloseable {
    private static final String LOCK_FILE = "journal.lock";

    private final Path dir;
    private final int blockSize;
    private final boolean sync;
    private final FileChannel lockChannel;
    private final FileLock lock;

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

    /** Returns {sealed or null, active}, following the rules in the class comment. */
    public GenerationLog[] recover(BaseImage base, String baseTag) throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(".log.idx")) {
                    Files.delete(p); // scratch left by a crash
                    continue;
                }
                long seq = LogFormat.parseFileName(name);
                if (seq >= 0) {
                    files.put(seq, p);
                }
            }
        }
        long nextSeq = files.isEmpty() ? 1 : files.lastKey() + 1;
        if (!files.isEmpty() && LogRecovery.isTornCreation(files.lastEntry().getValue())) {
            Files.delete(files.pollLastEntry().getValue());
            sync();
        }
        List<GenerationLog> logs = new ArrayList<>();
        try {
            for (var e : files.entrySet()) {
                logs.add(LogRecovery.recover(e.getValue(), e.getKey(), blockSize, sync));
            }
            GenerationLog sealed = null;
            GenerationLog active = null;
            for (GenerationLog log : new ArrayList<>(logs)) {
                if (log.isSealed() && !log.sealTag().equals(baseTag)) {
                    logs.remove(log); // committed before the crash, released not yet
                    log.closeAndDelete();
                    sync();
                } else if (log.isSealed()) {
                    if (sealed != null) {
                        throw new JournalCorruptException(log.path(), 0,
                            "second sealed generation over base " + baseTag + " (other: "
                                + sealed.path() + ")");
                    }
                    sealed = log;
                } else {
                    if (active != null) {
                        throw new JournalCorruptException(log.path(), 0,
                            "second unsealed generation (other: " + active.path() + ")");
                    }
                    active = log;
                }
            }
            if (sealed != null && active != null && active.sequence() < sealed.sequence()) {
                throw new JournalCorruptException(active.path(), 0,
                    "unsealed generation older than sealed " + sealed.path());
            }
            long startSize = sealed != null ? sealed.size() : base.size();
            if (active == null || active.isEmpty()) {
                if (active != null) {
                    logs.remove(active);
                    active.closeAndDelete();
                }
                active = create(nextSeq, startSize);
                logs.add(active);
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

    /** Creates a generation log and makes its directory entry durable. */
    public GenerationLog create(long sequence, long startSize) throws IOException {
        GenerationLog log = GenerationLog.create(dir, sequence, blockSize, startSize, sync);
        sync();
        return log;
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
