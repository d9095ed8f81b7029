package io.vdisk.flusher;

import io.vdisk.journal.BaseImage;
import io.vdisk.journal.Generation;
import io.vdisk.journal.Journal;
import io.vdisk.venti.BlockStore;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * One live image as the flusher sees it. The application implements it (it knows the image
 * format and the pointer file); the flusher knows only this interface and runs the commit
 * protocol over it.
 *
 * <p>
 * <b>Contract.</b> Methods that write roots ({@link #writeRoot}, {@link #writeRollbackRoot},
 * {@link #rewriteHistory}) only put blocks into {@link #store()}: they neither sync the store nor
 * touch the pointer file, and the roots they return are reachable from nothing until
 * {@link #publish} names one. So a crash in any of them leaves the image as it was. The flusher
 * calls every method of one image from one thread at a time (it holds the image's commit lock),
 * except {@link #name()}, {@link #journal()} and {@link #store()}, which must be thread-safe.
 */
public interface ImageTarget {

    /** The image's path relative to the vdisk root; used in logs and as the policy key. */
    String name();

    /** The image's journal, open over the base {@link #head()} names. */
    Journal journal();

    /** The store the image's blocks live in. */
    BlockStore store();

    /** The root score the pointer file names now. */
    Score head() throws IOException;

    /**
     * Whether the image was closed for being idle: its journal is closed, and the flusher
     * leaves it alone (a commit finding it so returns its {@link #head()}).
     */
    default boolean retired() {
        return false;
    }

    /**
     * Writes the new version: {@code gen}'s content (its blocks laid over {@code head}, cut to
     * {@code gen.minSize()}, sized {@code gen.size()}; {@code gen} may hold no block at all), its
     * tree copy-on-write from head's, and a root recording {@code kind}, {@code snapshot},
     * {@code message} and {@code time}. Its prev follows the history rule: the newest snapshot at
     * or below head (a working root replaces a working head; anything goes on top of a snapshot
     * head).
     *
     * @return the new root's score
     */
    Score writeRoot(Score head, Generation gen, RootKind kind, boolean snapshot, String message,
        Instant time) throws IOException;

    /**
     * Writes a root whose content is {@code rev}'s and whose prev is {@code head}, so rolling
     * back loses nothing (kind {@link RootKind#ROLLBACK}).
     *
     * @return the new root's score
     */
    Score writeRollbackRoot(Score head, Score rev, Instant time) throws IOException;

    /**
     * Makes the pointer file name {@code newHead} atomically and durably: write a temporary file,
     * force it, tell the hook {@link CrashHook.Step#AFTER_TEMP_FILE}, rename it over the pointer
     * file, force the directory, tell the hook {@link CrashHook.Step#AFTER_RENAME}.
     * {@link AtomicFile#replace} does exactly that.
     */
    void publish(Score newHead, CrashHook hook) throws IOException;

    /** A read view of a committed root, to serve as the journal's base. Thread-safe. */
    BaseImage baseFor(Score root) throws IOException;

    /** The chain of roots from {@code head} through prev links, newest first. */
    List<Version> history(Score head) throws IOException;

    /**
     * The chain from {@code head} back to its newest scheduled snapshot, newest first; the whole
     * chain when it has none. The scheduler reads this much at start to find a missed snapshot,
     * so a long history is not read whole; a target that can stop early overrides this.
     */
    default List<Version> recentHistory(Score head) throws IOException {
        List<Version> all = history(head);
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).snapshot() && all.get(i).kind() == RootKind.SCHEDULED)
                return all.subList(0, i + 1);
        }
        return all;
    }

    /**
     * Writes a new chain holding exactly the roots of {@code head}'s history whose scores are in
     * {@code keep}, in the same order, each with its content, time, kind and message, and with
     * prev re-linked to the next kept one. {@code keep} always contains {@code head}.
     *
     * @return the new chain's head (equal to {@code head} when nothing is dropped)
     */
    Score rewriteHistory(Score head, Set<Score> keep) throws IOException;
}
