package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

/**
 * Score → arena address, in a MapDB hash map on an mmap'd file (off-heap), with a few named
 * counters committed in the same transaction.
 *
 * <p>The index lags the arenas on purpose, as Venti's does: {@link #commit} records a
 * checkpoint (the arena address up to which every record is indexed) together with the entries,
 * atomically (MapDB's write-ahead log). After a crash, entries past the checkpoint are simply
 * re-read from the arenas. So {@code sync()} of the store only has to force the arenas.
 *
 * <p>Addresses are {@code arena << 40 | offset}. Thread-safe (MapDB's maps are); commits are
 * serialized by the store.
 */
public final class ScoreIndex implements AutoCloseable {
    public static final String FILE = "index.db";
    static final int OFFSET_BITS = 40;
    public static final long MAX_ARENA_SIZE = 1L << OFFSET_BITS;

    public static final String CHECKPOINT = "checkpoint";
    public static final String LOGICAL = "logical";
    public static final String UNIQUE = "unique";
    public static final String STORED = "stored";
    public static final String BLOCKS = "blocks";
    public static final String PUTS = "puts";
    public static final String FORMAT = "format";
    static final long FORMAT_VERSION = 1;

    private final Path file;
    private final DB db;
    private final HTreeMap<byte[], Long> scores;
    private final HTreeMap<String, Long> meta;
    private boolean closed;

    private ScoreIndex(Path file, DB db, HTreeMap<byte[], Long> scores,
            HTreeMap<String, Long> meta) {
        this.file = file;
        this.db = db;
        this.scores = scores;
        this.meta = meta;
    }

    /** Opens or creates the index. MapDB failures become a {@link CorruptStoreException}. */
    @SuppressWarnings("unchecked")
    public static ScoreIndex open(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        DB db = null;
        try {
            db = DBMaker.fileDB(file.toFile()).fileMmapEnableIfSupported().fileMmapPreclearDisable()
                    .transactionEnable().make();
            HTreeMap<byte[], Long> scores = db.hashMap("scores", Serializer.BYTE_ARRAY,
                    Serializer.LONG).layout(16, 128, 4).createOrOpen();
            HTreeMap<String, Long> meta = db.hashMap("meta", Serializer.STRING, Serializer.LONG)
                    .createOrOpen();
            Long format = meta.get(FORMAT);
            if (format == null) {
                meta.put(FORMAT, FORMAT_VERSION);
                db.commit();
            } else if (format != FORMAT_VERSION) {
                db.close();
                throw new CorruptStoreException(file + ": index format " + format
                        + " is not supported (expected " + FORMAT_VERSION + ")");
            }
            return new ScoreIndex(file, db, scores, meta);
        } catch (RuntimeException | Error e) {
            if (db != null) {
                try {
                    db.close();
                } catch (RuntimeException ignored) {
                    // already failing
                }
            }
            throw new CorruptStoreException(file + ": index cannot be opened: " + e);
        }
    }

    /** Deletes the index files so that {@link #open} starts empty (before a rebuild). */
    public static void delete(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().startsWith(FILE))
                    Files.delete(p);
            }
        }
    }

    public static long address(int arena, long offset) {
        return (long) arena << OFFSET_BITS | offset;
    }

    public static int arenaOf(long address) {
        return (int) (address >>> OFFSET_BITS);
    }

    public static long offsetOf(long address) {
        return address & (MAX_ARENA_SIZE - 1);
    }

    /** @return the address, or -1 */
    public long get(Score s) {
        Long a = scores.get(s.toBytes());
        return a == null ? -1 : a;
    }

    public void put(Score s, long address) {
        scores.put(s.toBytes(), address);
    }

    public void remove(Score s) {
        scores.remove(s.toBytes());
    }

    public long size() {
        return scores.sizeLong();
    }

    public void forEach(BiConsumer<Score, Long> action) {
        for (var e : scores.getEntries())
            action.accept(Score.fromBytes(e.getKey(), 0), e.getValue());
    }

    public long meta(String key) {
        Long v = meta.get(key);
        return v == null ? 0 : v;
    }

    public void setMeta(String key, long value) {
        meta.put(key, value);
    }

    /** Makes every put and meta change so far durable, atomically. */
    public void commit() {
        db.commit();
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() {
        if (closed)
            return;
        closed = true;
        db.close();
    }
}
