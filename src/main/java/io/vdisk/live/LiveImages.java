package io.vdisk.live;

import io.vdisk.app.Workspace;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.VdiskFile;
import io.vdisk.journal.Journal;
import io.vdisk.journal.JournalOptions;
import io.vdisk.venti.BlockStore;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * The images of one vdisk root that a running server has open, one {@link LiveImage} per
 * {@code .vdisk} file however many clients (9P, NBD) use it, so all see one content.
 *
 * <p>Journals live in {@code .vdisk/journal/<sha1 of the image's path>/}, with the path written
 * next to them for people. An image is opened (its journal recovered and locked, two file
 * descriptors held) by its first {@link #get} or {@link #acquire}, and closed again by
 * {@link #closeIfIdle} once no client holds it, so a root's idle images cost nothing.
 * Thread-safe.
 */
public final class LiveImages implements AutoCloseable {
    private final Workspace workspace;
    private final BlockStore store;
    private final JournalOptions.Builder journalOptions;
    private final Map<String, LiveImage> open = new ConcurrentHashMap<>();
    /** Times each image was closed for being idle: readers of its root reload it on a change. */
    private final Map<String, Integer> closes = new ConcurrentHashMap<>();
    private volatile Consumer<LiveImage> onOpen = i -> {
    };
    private volatile Consumer<LiveImage> flushWanted = i -> {
    };
    /** An image's early-flush threshold by its path; 0 leaves the journal's default. */
    private volatile ToLongFunction<String> dirtyThreshold = name -> 0;
    private boolean closed;

    public LiveImages(Workspace workspace, BlockStore store,
        JournalOptions.Builder journalOptions) {
        this.workspace = workspace;
        this.store = store;
        this.journalOptions = journalOptions;
    }

    public Workspace workspace() {
        return workspace;
    }

    public BlockStore store() {
        return store;
    }

    /** Told of each image when it is first opened (the flusher schedules it). */
    public void onOpen(Consumer<LiveImage> listener) {
        this.onOpen = listener;
    }

    /**
     * Gives each image's early-flush threshold (its policy's dirty-bytes) when it is opened (see
     * {@link LiveImage#dirtyThreshold}).
     */
    public void dirtyThreshold(ToLongFunction<String> threshold) {
        this.dirtyThreshold = threshold;
    }

    /** Told when an image's journal holds enough dirty data to want an early flush. */
    public void onFlushWanted(Consumer<LiveImage> listener) {
        this.flushWanted = listener;
    }

    /**
     * The live image at {@code relative} (a path below the root, '/'-separated), opened on first
     * use.
     *
     * @throws NoSuchFileException if it is not a .vdisk file inside the root
     */
    public LiveImage get(String relative) throws IOException {
        Path file = resolve(relative);
        String key = keyOf(file);
        LiveImage img = open.get(key);
        if (img != null) return img;
        synchronized (this) {
            if (closed) throw new IOException("server is shutting down");
            img = open.get(key);
            if (img != null) return img;
            Path dir = journalDir(key);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("image-path"), key + "\n", StandardCharsets.UTF_8);
            LiveImage[] self = new LiveImage[1];
            JournalOptions opts = journalOptions.flushWanted(() -> {
                if (self[0] != null) flushWanted.accept(self[0]);
            }).build();
            img = LiveImage.open(key, file, store, dir, opts);
            self[0] = img;
            long threshold = dirtyThreshold.applyAsLong(key);
            if (threshold > 0) img.dirtyThreshold(threshold);
            open.put(key, img);
        }
        onOpen.accept(img);
        return img;
    }

    /**
     * The live image at {@code relative}, opened if need be, counted as used until the caller
     * {@link LiveImage#release}s it: it is not closed for being idle meanwhile.
     */
    public LiveImage acquire(String relative, boolean forWriting) throws IOException {
        while (true) {
            LiveImage img = get(relative);
            if (img.tryAcquire(forWriting)) return img;
            synchronized (this) {
                // closeIfIdle retires, forgets and closes under this lock: after it, get opens anew
            }
        }
    }

    /** The image kept under {@code key} if open, acquired for reading (release it); or null. */
    public LiveImage acquireIfOpen(String key) {
        LiveImage img = open.get(key);
        return img != null && img.tryAcquire(false) ? img : null;
    }

    /**
     * How many times the image kept under {@code key} was closed for being idle. Bumped before
     * the image is retired, so a reader that finds it neither open nor acquirable and then
     * sees no change may keep reading the root it read before.
     */
    public int closes(String key) {
        return closes.getOrDefault(key, 0);
    }

    /**
     * Closes the image kept under {@code key} if no client uses it and its journal holds
     * nothing: its journal's descriptors go, and its next use opens it again. The caller holds
     * the flusher's lock of the image, so that no commit of it runs meanwhile; {@code forget}
     * (unscheduling it) runs before anyone can open it anew.
     *
     * @return whether it was closed
     */
    public boolean closeIfIdle(String key, Forget forget) throws IOException {
        LiveImage img = open.get(key);
        if (img == null || img.openForWriting()) return false;
        synchronized (this) {
            if (closed || open.get(key) != img) return false;
            closes.merge(key, 1, Integer::sum);
            if (!img.retireIfIdle()) return false;
            try {
                forget.run(img);
            } finally {
                open.remove(key);
                img.close();
            }
            return true;
        }
    }

    /** What {@link #closeIfIdle} does to an image before it is closed. */
    @FunctionalInterface
    public interface Forget {
        void run(LiveImage img) throws IOException;
    }

    /** The live image at {@code relative} if it is open already, else null. */
    public LiveImage ifOpen(String relative) throws IOException {
        return open.get(key(relative));
    }

    /**
     * The name {@code relative} is kept under once open: its path from the root, checked and
     * normalized. For {@link #acquireIfOpen}, which costs no file system call.
     */
    public String key(String relative) throws IOException {
        return keyOf(resolve(relative));
    }

    /**
     * Whether the image at {@code relative} is not open and its journal holds no writes: its
     * content is then the root its {@code .vdisk} file names, and reading it needs no journal.
     */
    public boolean untouched(String relative) throws IOException {
        return ifOpen(relative) == null && !mayHoldWrites(relative);
    }

    /**
     * Whether the journal of the image at {@code relative} may hold writes, read without
     * opening it ({@link Journal#mayHoldWrites}). An image whose journal holds none has
     * nothing to recover or flush, and can wait for its first use to be opened.
     */
    public boolean mayHoldWrites(String relative) throws IOException {
        return Journal.mayHoldWrites(journalDir(keyOf(resolve(relative))));
    }

    /**
     * The image's size, without opening it when it is not open and its journal holds no
     * writes: then it is its head root's. A listing of many images (9P stat, NBD export sizes)
     * costs no journal this way.
     */
    public long size(String relative) throws IOException {
        LiveImage img = ifOpen(relative);
        if (img != null) return img.size();
        return mayHoldWrites(relative) ? get(relative).size() : headRoot(relative).size();
    }

    /** The root the image's {@code .vdisk} file names now: its content less its journal. */
    public ImageRoot headRoot(String relative) throws IOException {
        return ImageRoot.load(store, VdiskFile.read(resolve(relative)));
    }

    private String keyOf(Path file) {
        return workspace.root().relativize(file).toString();
    }

    /** Checks a client's path: a .vdisk file inside the root, not in the hidden folder. */
    public Path resolve(String relative) throws IOException {
        Path root = workspace.root();
        Path file = root.resolve(relative.startsWith("/") ? relative.substring(1) : relative)
            .normalize();
        if (!file.startsWith(root) || file.equals(root)
            || root.relativize(file).startsWith(Workspace.HIDDEN)
            || !file.getFileName().toString().endsWith(VdiskFile.EXTENSION)
            || !Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)
            || !file.toRealPath().startsWith(root.toRealPath())) {
            // A symlink named .vdisk could point anywhere: only real files inside the root.
            throw new NoSuchFileException(relative, null, "no image by that name in " + root);
        }
        return file;
    }

    Path journalDir(String key) {
        Score id = Score.hash(key.getBytes(StandardCharsets.UTF_8), 0,
            key.getBytes(StandardCharsets.UTF_8).length);
        return workspace.root().resolve(Workspace.HIDDEN).resolve("journal").resolve(id.toHex());
    }

    /** Images opened so far. */
    public List<LiveImage> opened() {
        return new ArrayList<>(open.values());
    }

    /** Every image's path relative to the root. */
    public List<String> names() throws IOException {
        List<String> out = new ArrayList<>();
        for (Path p : workspace.images())
            out.add(workspace.root().relativize(p).toString());
        return out;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        IOException first = null;
        for (LiveImage img : open.values()) {
            try {
                img.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        open.clear();
        if (first != null) throw first;
    }
}
