package io.vdisk.flusher;

import io.vdisk.journal.BaseImage;
import io.vdisk.journal.Generation;
import io.vdisk.journal.Journal;
import io.vdisk.journal.JournalOptions;
import io.vdisk.venti.BlockStore;
import io.vdisk.venti.BlockType;
import io.vdisk.venti.Score;
import io.vdisk.venti.TreeReader;
import io.vdisk.venti.TreeUpdater;
import io.vdisk.venti.TreeWriter;
import io.vdisk.venti.VtEntry;
import io.vdisk.venti.VtRoot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * A small but real image for the flusher's tests: one VtEntry hash tree of the disk's bytes, a
 * metadata block, a VtRoot chain linked by prev, and a pointer file {@code vdisk:<hex>}.
 *
 * <pre>
 * root (VtRoot, type "vdisk-test") → DIR block: [0] data tree entry, [1] metadata entry
 * metadata: one DATA block of text lines "time=", "kind=", "snapshot=", "message="
 * </pre>
 *
 * Thread-safe as far as the SPI asks (the flusher serialises the rest); owns and closes the
 * journal and the store.
 */
final class TestImage implements ImageTarget, AutoCloseable {
    static final int PSIZE = 8000;
    static final int DSIZE = 4096;
    static final String TYPE = "vdisk-test";

    private final String name;
    private final Path pointer;
    private final BlockStore store;
    private final Journal journal;
    private volatile boolean retired;

    private TestImage(String name, Path pointer, BlockStore store, Journal journal) {
        this.name = name;
        this.pointer = pointer;
        this.store = store;
        this.journal = journal;
    }

    /** A root as stored: its content entry and its metadata. */
    record Root(Score score, VtEntry data, Version version, Score prev) {
    }

    /** Creates an all-zero image of {@code size} bytes in {@code dir} (an IMPORT snapshot). */
    static void create(Path dir, BlockStore store, long size, Instant time) throws IOException {
        Files.createDirectories(dir);
        VtEntry data = new TreeWriter(store, PSIZE, DSIZE, false).finish(size);
        Score root = putRoot(store, data, RootKind.IMPORT, true, "import", time, Score.ZERO);
        store.sync();
        AtomicFile.replace(pointerOf(dir), line(root));
    }

    /** Opens the image in {@code dir}: journal recovery uses the pointer file's score as tag. */
    static TestImage open(Path dir, BlockStore store, JournalOptions opts) throws IOException {
        Path p = pointerOf(dir);
        Score head = readPointer(p);
        TestImage probe = new TestImage("disk.vdisk", p, store, null);
        Journal j = Journal.open(dir.resolve("journal"), probe.baseFor(head), head.toHex(), opts);
        return new TestImage("disk.vdisk", p, store, j);
    }

    /** The history of {@code head}, read without opening the image. */
    static List<Version> historyOf(BlockStore store, Score head) throws IOException {
        return new TestImage("disk.vdisk", null, store, null).history(head);
    }

    static Path pointerOf(Path dir) {
        return dir.resolve("disk.vdisk");
    }

    static Score readPointer(Path p) throws IOException {
        String s = Files.readString(p, StandardCharsets.US_ASCII).strip();
        if (!s.startsWith("vdisk:") || !Score.isHex(s.substring(6))) {
            throw new IOException(p + ": not a pointer file: " + s);
        }
        return Score.fromHex(s.substring(6));
    }

    /** Closes the journal, not the store, as a server closes an idle image. */
    void retire() throws IOException {
        retired = true;
        journal.close();
    }

    @Override
    public boolean retired() {
        return retired;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Journal journal() {
        return journal;
    }

    @Override
    public BlockStore store() {
        return store;
    }

    @Override
    public Score head() throws IOException {
        return readPointer(pointer);
    }

    @Override
    public Score writeRoot(Score head, Generation gen, RootKind kind, boolean snapshot,
        String message, Instant time) throws IOException {
        Root h = load(head);
        TreeMap<Long, Score> changed = new TreeMap<>();
        byte[] buf = new byte[DSIZE];
        gen.forEachBlock((no, content) -> {
            if (content == null) {
                changed.put(no, Score.ZERO);
            } else {
                content.get(buf, 0, DSIZE);
                changed.put(no, store.put(BlockType.DATA, buf));
            }
        });
        VtEntry e = h.data();
        if (gen.minSize() < e.size()) {
            e = TreeUpdater.update(store, e, gen.minSize(), Collections.emptyNavigableMap());
        }
        e = TreeUpdater.update(store, e, gen.size(), changed);
        // the newest snapshot at or below head: a working head is replaced
        Score prev = h.version().snapshot() ? head : h.prev();
        return putRoot(store, e, kind, snapshot, message, time, prev);
    }

    @Override
    public Score writeRollbackRoot(Score head, Score rev, Instant time) throws IOException {
        return putRoot(store, load(rev).data(), RootKind.ROLLBACK, true,
            "rollback to " + rev.abbreviated(12), time, head);
    }

    @Override
    public void publish(Score newHead, CrashHook hook) throws IOException {
        AtomicFile.replace(pointer, line(newHead), hook);
    }

    @Override
    public BaseImage baseFor(Score root) throws IOException {
        TreeReader r = new TreeReader(store, load(root).data());
        return new BaseImage() {
            @Override
            public long size() {
                return r.size();
            }

            @Override
            public void read(long offset, ByteBuffer dst) throws IOException {
                byte[] b = new byte[dst.remaining()];
                r.read(offset, b, 0, b.length); // past the end stays zero
                dst.put(b);
            }
        };
    }

    @Override
    public List<Version> history(Score head) throws IOException {
        List<Version> out = new ArrayList<>();
        for (Root r : chain(head)) {
            out.add(r.version());
        }
        return out;
    }

    @Override
    public Score rewriteHistory(Score head, Set<Score> keep) throws IOException {
        List<Root> kept = new ArrayList<>();
        for (Root r : chain(head)) {
            if (keep.contains(r.score())) {
                kept.add(r);
            }
        }
        Score prev = Score.ZERO;
        for (int i = kept.size() - 1; i >= 0; i--) {
            VtRoot old = VtRoot.parse(store.get(kept.get(i).score(), BlockType.ROOT));
            prev = store.put(BlockType.ROOT, old.withPrev(prev).toBytes());
        }
        return prev;
    }

    List<Root> chain(Score head) throws IOException {
        List<Root> out = new ArrayList<>();
        for (Score s = head; !s.isZero();) {
            Root r = load(s);
            out.add(r);
            s = r.prev();
        }
        return out;
    }

    Root load(Score score) throws IOException {
        VtRoot root = VtRoot.parse(store.get(score, BlockType.ROOT));
        byte[] dir = new byte[2 * VtEntry.SIZE]; // stored without its trailing zeros
        store.read(root.score(), BlockType.DIR, dir, 0, dir.length);
        VtEntry data = VtEntry.unpack(ByteBuffer.wrap(dir, 0, VtEntry.SIZE));
        VtEntry metaEntry = VtEntry.unpack(ByteBuffer.wrap(dir, VtEntry.SIZE, VtEntry.SIZE));
        byte[] meta = store.get(metaEntry.score(), BlockType.DATA);
        String[] lines = new String(meta, StandardCharsets.UTF_8).split("\n", 4);
        Version v = new Version(score, Instant.ofEpochMilli(Long.parseLong(value(lines[0]))),
            RootKind.valueOf(value(lines[1])), Boolean.parseBoolean(value(lines[2])),
            value(lines[3]));
        return new Root(score, data, v, root.prev());
    }

    /**
     * Reads every block reachable from {@code head} through every root of its history (each
     * read verifies the block's hash) and returns how many there were.
     */
    long verifyAll(Score head) throws IOException {
        long n = 0;
        for (Root r : chain(head)) {
            n += 3; // root, directory, metadata (load read them)
            n += walk(r.data().score(), r.data().depth());
        }
        return n;
    }

    private long walk(Score s, int level) throws IOException {
        if (s.isZero()) {
            return 0;
        }
        byte[] b = store.get(s, BlockType.of(false, level));
        long n = 1;
        if (level > 0) {
            for (int at = 0; at + Score.SIZE <= b.length; at += Score.SIZE) {
                n += walk(Score.fromBytes(b, at), level - 1);
            }
        }
        return n;
    }

    /** Reads the whole disk as the journal shows it now. */
    byte[] readAll() throws IOException {
        byte[] b = new byte[(int) journal.size()];
        journal.read(0, ByteBuffer.wrap(b));
        return b;
    }

    /** Reads the content of a committed root. */
    byte[] readRoot(Score root) throws IOException {
        BaseImage base = baseFor(root);
        byte[] b = new byte[(int) base.size()];
        base.read(0, ByteBuffer.wrap(b));
        return b;
    }

    @Override
    public void close() throws IOException {
        try (BlockStore s = store) {
            if (journal != null) {
                journal.close();
            }
        }
    }

    private static String value(String line) {
        return line.substring(line.indexOf('=') + 1);
    }

    private static byte[] line(Score s) {
        return ("vdisk:" + s.toHex() + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static Score putRoot(BlockStore store, VtEntry data, RootKind kind, boolean snapshot,
        String message, Instant time, Score prev) throws IOException {
        String m = message.replace('\n', ' ');
        byte[] meta = ("time=" + time.toEpochMilli() + "\nkind=" + kind + "\nsnapshot="
            + snapshot + "\nmessage=" + m).getBytes(StandardCharsets.UTF_8);
        Score metaScore = store.put(BlockType.DATA, meta);
        byte[] dir = new byte[2 * VtEntry.SIZE];
        System.arraycopy(data.toBytes(), 0, dir, 0, VtEntry.SIZE);
        System.arraycopy(VtEntry.data(PSIZE, Math.max(DSIZE, meta.length), 0, meta.length,
            metaScore).toBytes(), 0, dir, VtEntry.SIZE, VtEntry.SIZE);
        Score dirScore = store.put(BlockType.DIR, dir);
        return store.put(BlockType.ROOT,
            new VtRoot("disk.vdisk", TYPE, dirScore, PSIZE, prev).toBytes());
    }
}
