package io.vdisk.flusher;

import io.vdisk.journal.Generation;
import io.vdisk.journal.Journal;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The commit protocol (DESIGN.md invariant 1) over {@link ImageTarget}s: turns an image's sealed
 * journal generation into a new root and moves the image's pointer file to it.
 *
 * <p>
 * <b>One commit</b>, for a generation sealed on the score the pointer file names:
 * <ol>
 * <li>{@link ImageTarget#writeRoot}: data blocks (deduplicated by the store), the tree
 * copy-on-write, the new root; pruning rewrites the chain here too; hook
 * {@link CrashHook.Step#AFTER_BLOCKS};
 * <li>{@code store.sync()}: all of it durable; hook {@link CrashHook.Step#AFTER_ROOT};
 * <li>{@link ImageTarget#publish}: temp file, fsync, rename, fsync of the directory (hooks
 * {@link CrashHook.Step#AFTER_TEMP_FILE}, {@link CrashHook.Step#AFTER_RENAME}); hook
 * {@link CrashHook.Step#BEFORE_RELEASE};
 * <li>{@link Journal#release}: reads switch to the new root, whose hex is the journal's new tag.
 * </ol>
 * A crash before the rename leaves the old score with the generation still sealed on it (the
 * journal keeps it pending and the next commit redoes it); a crash after leaves the new score,
 * and journal recovery drops the generation since its tag no longer matches. Either way the
 * pointer file names a complete, durable tree. Every head change (snapshot, prune, rollback)
 * also moves the journal's tag, through a release or a rebase, so that rule stays true.
 *
 * <p>
 * Guest writes go on during a commit: sealing hands them a fresh generation at once.
 *
 * <p>
 * Thread-safe: commits of one image (found by {@link ImageTarget#name()}) are serialised by a
 * per-image lock; different images commit in parallel.
 */
public final class Flusher {
    private static final System.Logger LOG = System.getLogger(Flusher.class.getName());
    /** How often a forced rollback retries when writes race in between discard and rebase. */
    private static final int REBASE_ATTEMPTS = 100;

    private final Clock clock;
    private final ZoneId zone;
    private final CrashHook hook;
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    /**
     * @param clock gives root times
     * @param zone the time zone retention buckets are cut in
     */
    public Flusher(Clock clock, ZoneId zone) {
        this(clock, zone, CrashHook.NONE);
    }

    /** As {@link #Flusher(Clock, ZoneId)}, telling {@code hook} each step of every commit. */
    public Flusher(Clock clock, ZoneId zone, CrashHook hook) {
        this.clock = Objects.requireNonNull(clock);
        this.zone = Objects.requireNonNull(zone);
        this.hook = Objects.requireNonNull(hook);
    }

    public Clock clock() {
        return clock;
    }

    public ZoneId zone() {
        return zone;
    }

    /**
     * Commits every write that completed before the call as a working root: first a generation
     * left sealed by a crash or a failed commit, then the active one. Does nothing when the
     * journal is clean.
     *
     * @return the head afterwards
     */
    public Score flush(ImageTarget t) throws IOException {
        return locked(t, () -> commit(t, RootKind.FLUSH, false, "", Retention.KEEP_ALL));
    }

    /** A manual snapshot of the current content (written even when nothing changed). */
    public Score snapshot(ImageTarget t, String message) throws IOException {
        return snapshot(t, RootKind.MANUAL, message, Retention.KEEP_ALL);
    }

    /**
     * A snapshot of the current content, then pruning of the history by {@code retention} in the
     * same commit (one pointer-file swap).
     */
    public Score snapshot(ImageTarget t, RootKind kind, String message, Retention retention)
        throws IOException {
        return locked(t, () -> commit(t, kind, true, message, retention));
    }

    /**
     * Rewrites the history to keep only what {@code retention} keeps of the snapshots (working
     * roots and the head always stay). Pending writes are committed first.
     */
    public Score prune(ImageTarget t, Retention retention) throws IOException {
        return locked(t, () -> commit(t, RootKind.FLUSH, false, "", retention));
    }

    /**
     * Makes a new head with {@code rev}'s content whose prev is the current head, so nothing is
     * lost. Refused while the image is open for writing unless {@code force}; with force the
     * current state is snapshotted first and then the journal is discarded, so writes that race
     * with a forced rollback may be lost (that is what force means).
     *
     * @throws RollbackRefusedException if open for writing and not forced
     * @return the new head
     */
    public Score rollback(ImageTarget t, Score rev, boolean force, boolean openForWriting)
        throws IOException {
        Objects.requireNonNull(rev);
        if (openForWriting && !force) {
            throw new RollbackRefusedException(t.name() + " is open for writing; roll back with"
                + " force to snapshot it and discard writes not yet flushed");
        }
        return locked(t, () -> {
            Score head = force
                ? commit(t, RootKind.MANUAL, true, "before rollback to " + rev.abbreviated(12),
                    Retention.KEEP_ALL)
                : commit(t, RootKind.FLUSH, false, "", Retention.KEEP_ALL);
            Journal j = t.journal();
            Score root = t.writeRollbackRoot(head, rev, clock.instant());
            hook.reached(CrashHook.Step.AFTER_BLOCKS);
            t.store().sync();
            hook.reached(CrashHook.Step.AFTER_ROOT);
            // empty the journal before the pointer moves: its blocks belong to the old content
            j.discard();
            t.publish(root, hook);
            hook.reached(CrashHook.Step.BEFORE_RELEASE);
            for (int attempt = 1;; attempt++) {
                try {
                    j.rebase(t.baseFor(root), root.toHex());
                    break;
                } catch (IllegalStateException raced) {
                    if (attempt == REBASE_ATTEMPTS) {
                        throw new IOException(t.name() + ": writes keep arriving during a forced"
                            + " rollback; the pointer names " + root + " but the journal could"
                            + " not be rebased", raced);
                    }
                    j.discard();
                }
            }
            LOG.log(System.Logger.Level.INFO, "{0}: rolled back to {1} as {2}", t.name(),
                rev.abbreviated(12), root.abbreviated(12));
            return root;
        });
    }

    /** The head after committing; holds the image's lock. */
    private Score commit(ImageTarget t, RootKind kind, boolean snapshot, String message,
        Retention retention) throws IOException {
        Journal j = t.journal();
        Optional<Generation> pending = j.pendingGeneration();
        if (pending.isPresent()) {
            // left over from a crash or a failed commit: finish it as a working root first
            commitGeneration(t, pending.get(), RootKind.FLUSH, false, "", Retention.KEEP_ALL);
        }
        if (!snapshot && retention.isEmpty() && j.dirtyBytes() == 0) {
            return t.head();
        }
        return commitGeneration(t, j.seal(), kind, snapshot, message, retention);
    }

    private Score commitGeneration(ImageTarget t, Generation gen, RootKind kind,
        boolean snapshot, String message, Retention retention) throws IOException {
        long started = System.nanoTime();
        Score head = t.head();
        if (!gen.baseTag().equals(head.toHex())) {
            // recovery drops such a generation; committing it over another base would be wrong
            throw new IOException(t.name() + ": sealed generation " + gen.sequence()
                + " applies to " + gen.baseTag() + " but the image names " + head);
        }
        Instant now = clock.instant();
        Score root = head;
        if (snapshot || changes(t, head, gen)) {
            root = t.writeRoot(head, gen, kind, snapshot, message, now);
        }
        if (!retention.isEmpty()) {
            root = prune(t, root, retention);
        }
        hook.reached(CrashHook.Step.AFTER_BLOCKS);
        t.store().sync();
        hook.reached(CrashHook.Step.AFTER_ROOT);
        if (!root.equals(head)) {
            t.publish(root, hook);
        }
        hook.reached(CrashHook.Step.BEFORE_RELEASE);
        t.journal().release(gen, t.baseFor(root), root.toHex());
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: {1} {2} blocks -> {3} in {4} ms", t.name(),
                kind, gen.blockCount(), root.abbreviated(12),
                (System.nanoTime() - started) / 1_000_000);
        }
        return root;
    }

    /** Whether {@code gen} changes anything: a block, or the size. */
    private static boolean changes(ImageTarget t, Score head, Generation gen) throws IOException {
        return gen.blockCount() > 0 || gen.minSize() != gen.size()
            || gen.size() != t.baseFor(head).size();
    }

    /** Drops the snapshots {@code retention} does not keep from {@code root}'s chain. */
    private Score prune(ImageTarget t, Score root, Retention retention) throws IOException {
        List<Version> history = t.history(root);
        Set<Score> keep = new HashSet<>(retention.keep(
            history.stream().filter(Version::snapshot).toList(), zone));
        keep.add(root);
        history.stream().filter(v -> !v.snapshot()).forEach(v -> keep.add(v.score()));
        if (history.stream().allMatch(v -> keep.contains(v.score()))) {
            return root;
        }
        Score pruned = t.rewriteHistory(root, keep);
        LOG.log(System.Logger.Level.INFO, "{0}: pruned history to {1} of {2} roots", t.name(),
            history.stream().filter(v -> keep.contains(v.score())).count(), history.size());
        return pruned;
    }

    /** Runs {@code op} holding the image's commit lock, unless the image is retired. */
    private Score locked(ImageTarget t, Exclusive<Score> op) throws IOException {
        return exclusive(t.name(), () -> t.retired() ? t.head() : op.run());
    }

    /** Something done while no commit of one image runs. */
    @FunctionalInterface
    public interface Exclusive<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code op} holding {@code image}'s commit lock: no flush, snapshot, rollback or
     * pruning of it runs meanwhile (the application closes idle images this way).
     */
    public <T> T exclusive(String image, Exclusive<T> op) throws IOException {
        ReentrantLock lock = locks.computeIfAbsent(image, n -> new ReentrantLock());
        lock.lock();
        try {
            return op.run();
        } finally {
            lock.unlock();
        }
    }
}
