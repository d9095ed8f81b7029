package io.vdisk.live;

import io.vdisk.flusher.CrashHook;
import io.vdisk.flusher.ImageTarget;
import io.vdisk.flusher.RootKind;
import io.vdisk.flusher.Version;
import io.vdisk.image.History;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.Kind;
import io.vdisk.image.VdiskFile;
import io.vdisk.journal.BaseImage;
import io.vdisk.journal.Generation;
import io.vdisk.journal.Journal;
import io.vdisk.venti.BlockStore;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A {@link LiveImage} as the flusher's {@link ImageTarget}: the image format's side of the
 * commit protocol. Thread-safe as the SPI requires (the flusher serializes commits per image).
 */
public final class LiveTarget implements ImageTarget {
    private final LiveImage image;

    public LiveTarget(LiveImage image) {
        this.image = image;
    }

    public LiveImage image() {
        return image;
    }

    @Override
    public String name() {
        return image.name();
    }

    @Override
    public Journal journal() {
        return image.journal();
    }

    @Override
    public BlockStore store() {
        return image.store();
    }

    @Override
    public Score head() throws IOException {
        return VdiskFile.read(image.file());
    }

    @Override
    public boolean retired() {
        return image.retired();
    }

    private ImageRoot load(Score s) throws IOException {
        ImageRoot h = image.head();
        return h.score().equals(s) ? h : ImageRoot.load(image.store(), s);
    }

    static Kind kind(RootKind k) {
        return Kind.valueOf(k.name());
    }

    static RootKind kind(Kind k) {
        return RootKind.valueOf(k.name());
    }

    @Override
    public Score writeRoot(Score head, Generation gen, RootKind kind, boolean snapshot,
        String message, Instant time) throws IOException {
        return image.writeRoot(load(head), gen, kind(kind), snapshot, message, time).score();
    }

    @Override
    public Score writeRollbackRoot(Score head, Score rev, Instant time) throws IOException {
        ImageRoot content = load(rev);
        return image.writeRelinked(content, Kind.ROLLBACK, true,
            "rollback to " + rev.abbreviated(12), head, time.toEpochMilli()).score();
    }

    @Override
    public void publish(Score newHead, CrashHook hook) throws IOException {
        image.publish(load(newHead), () -> hook.reached(CrashHook.Step.AFTER_TEMP_FILE),
            () -> hook.reached(CrashHook.Step.AFTER_RENAME));
    }

    @Override
    public BaseImage baseFor(Score root) throws IOException {
        return image.baseFor(load(root));
    }

    @Override
    public List<Version> history(Score head) throws IOException {
        return history(image.store(), head);
    }

    /** The chain of roots from {@code head} as the flusher sees it, newest first. */
    public static List<Version> history(BlockStore store, Score head) throws IOException {
        return versions(History.walk(store, head));
    }

    @Override
    public List<Version> recentHistory(Score head) throws IOException {
        return recentHistory(image.store(), head);
    }

    /** See {@link ImageTarget#recentHistory}: only the roots it needs are read. */
    public static List<Version> recentHistory(BlockStore store, Score head) throws IOException {
        return versions(History.walkUntil(store, head,
            r -> r.snapshot() && r.kind() == Kind.SCHEDULED));
    }

    private static List<Version> versions(List<ImageRoot> roots) {
        List<Version> out = new ArrayList<>(roots.size());
        for (ImageRoot r : roots) {
            out.add(new Version(r.score(), Instant.ofEpochMilli(r.timeMillis()), kind(r.kind()),
                r.snapshot(), r.message()));
        }
        return out;
    }

    /** Rewrites the chain from the oldest dropped root up; older roots keep their scores. */
    @Override
    public Score rewriteHistory(Score head, Set<Score> keep) throws IOException {
        List<ImageRoot> chain = History.walk(image.store(), head);
        Score prev = Score.ZERO;
        boolean relinked = false;
        for (int i = chain.size() - 1; i >= 0; i--) {
            ImageRoot r = chain.get(i);
            if (!keep.contains(r.score())) {
                relinked = true;
                continue;
            }
            if (!relinked && r.prev().equals(prev)) {
                prev = r.score();
                continue;
            }
            prev = image.writeRelinked(r, r.kind(), r.snapshot(), r.message(), prev,
                r.timeMillis()).score();
            relinked = true;
        }
        return prev;
    }
}
