package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

/**
 * Score → arena address, in a MapDB hash map on an mmap'd file (off-heap).
 *
 * <p>The index lags the arenas on purpose, as Venti's does. New entries wait in a small on-heap
 * map and reach MapDB in batches at {@link #commit}, which also records a checkpoint: the arena
 * address below which every record is indexed. After a crash, records past the checkpoint are
 * simply read again from the arenas, so the store's {@code sync()} only forces arenas. A batch
 * can be {@link #detach detached} and committed on another thread while new entries collect in
 * a fresh map; lookups see the fresh map, the batch being committed, then MapDB.
 *
 * <p>MapDB's own write-ahead log did not survive kill -9 here (a broken free-list parity on the
 * next put), so MapDB runs without transactions and a separate <em>clean marker</em> says when its
 * file is whole. A commit removes the marker, writes the batch, syncs MapDB, then writes the
 * marker again with the checkpoint and the store's counters:
 *
 * <pre>
 * index.clean
 * | offset | size | field                               |
 * |--------|------|-------------------------------------|
 * | 0      | 4    | magic 0x56444958 ("VDIX")           |
 * | 4      | 4    | version, 1                          |
 * | 8      | 8    | checkpoint: arena &lt;&lt; 40 | offset     |
 * | 16     | 40   | counters: logical, unique, stored,  |
 * |        |      | blocks, puts (8 bytes each)         |
 * | 56     | 4    | CRC32C of bytes 0..55               |
 * </pre>
 *
 * No marker (a crash inside a commit, a lost or damaged file) means the index is rebuilt from the
 * arenas. Addresses are {@code arena << 40 | offset}. Thread-safe for get/put; commits are
 * serialized by the store.
 */
public final class ScoreIndex implements AutoCloseable {
    public static final String FILE = "index.db";
    public static final String MARKER = "index.clean";
    static final int OFFSET_BITS = 40;
    public static final long MAX_ARENA_SIZE = 1L << OFFSET_BITS;
    private static final int MAGIC = 0x56444958;
    private static final int VERSION = 1;
    private static final int MARKER_SIZE = 60;

    /** Indexes of the counters kept in the marker. */
    public static final int LOGICAL = 0, UNIQUE = 1, STORED = 2, BLOCKS = 3, PUTS = 4;

    private final Path dir;
    private final Path file;
    private final DB db;
    private final HTreeMap<byte[], Long> scores;
    /** Entries since the last detach. Replaced, never cleared, so lookups need no lock. */
    private volatile Map<Score, Long> pending = new ConcurrentHashMap<>();
    /** The detached batch while it is written to MapDB; empty otherwise. */
    private volatile Map<Score, Long> committing = Map.of();
    private final long checkpoint;
    /** The checkpoint of the last commit, or {@link #checkpoint} before the first. */
    private volatile long committed;
    private final long[] counters;
    private boolean closed;

    private ScoreIndex(Path dir, DB db, HTreeMap<byte[], Long> scores, long checkpoint,
        long[] counters) {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.db = db;
        this.scores = scores;
        this.checkpoint = checkpoint;
        this.committed = checkpoint;
        this.counters = counters;
    }

    /**
     * Opens the index, or starts an empty one (checkpoint 0, so everything is re-read) when it is
     * missing, was not closed by a completed commit, or cannot be read.
     */
    public static ScoreIndex open(Path dir) throws IOException {
        long[] counters = new long[5];
        long checkpoint = readMarker(dir.resolve(MARKER), counters);
        if (checkpoint < 0) {
            delete(dir);
            counters = new long[5];
            checkpoint = 0;
        }
        try {
            return openDb(dir, checkpoint, counters);
        } catch (RuntimeException e) {
            System.getLogger(ScoreIndex.class.getName()).log(System.Logger.Level.WARNING,
                "{0}: unreadable ({1}); rebuilding from the arenas", dir.resolve(FILE),
                String.valueOf(e));
            delete(dir);
            return openDb(dir, 0, new long[5]);
        }
    }

    private static ScoreIndex openDb(Path dir, long checkpoint, long[] counters) {
        // Preclear: MapDB zeroes the file's new space with writes before it maps it, so a full
        // file system fails a put with ENOSPC; sparse, a store into the mapping got SIGBUS (an
        // InternalError in the CLI, a dead commit thread in a server).
        DB db = DBMaker.fileDB(dir.resolve(FILE).toFile()).fileMmapEnableIfSupported().make();
        try {
            // 16 segments of 16-slot directories, 6 levels deep: small directory nodes are
            // cheap to rewrite on every put (measured 1M-4M random scores, mmap file:
            // 270-340 K puts/s against 135-190 K/s for layout(8, 128, 4), gets unchanged).
            // Values sit in the leaves: no record of their own to allocate, write and follow
            // (1 M scores: puts 10% and gets 25% faster, the file 22% smaller). An index made
            // before keeps its layout, which MapDB reads from the file's catalog.
            HTreeMap<byte[], Long> scores = db.hashMap("scores", Serializer.BYTE_ARRAY,
                Serializer.LONG).layout(16, 16, 6).valueInline().createOrOpen();
            return new ScoreIndex(dir, db, scores, checkpoint, counters);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** @return the checkpoint, or -1 when there is no valid marker */
    private static long readMarker(Path marker, long[] counters) throws IOException {
        if (!Files.exists(marker)) return -1;
        byte[] b = Files.readAllBytes(marker);
        if (b.length != MARKER_SIZE) return -1;
        ByteBuffer bb = ByteBuffer.wrap(b);
        CRC32C crc = new CRC32C();
        crc.update(b, 0, MARKER_SIZE - 4);
        if (bb.getInt(0) != MAGIC || bb.getInt(4) != VERSION
            || bb.getInt(MARKER_SIZE - 4) != (int) crc.getValue()) {
            return -1;
        }
        for (int i = 0; i < counters.length; i++)
            counters[i] = bb.getLong(16 + 8 * i);
        return bb.getLong(8);
    }

    /** Deletes the index files so that {@link #open} starts empty. */
    public static void delete(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(MARKER));
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().startsWith(FILE)) Files.delete(p);
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

    /** The address up to which the arenas were indexed at the last commit. */
    public long checkpoint() {
        return checkpoint;
    }

    /** The checkpoint the index file holds now: the last commit's, or the one it opened with. */
    public long committedCheckpoint() {
        return committed;
    }

    /** The store's counters as of the last commit. */
    public long counter(int which) {
        return counters[which];
    }

    /** @return the address, or -1 */
    public long get(Score s) {
        // committing is read after pending: detach publishes the batch there before replacing
        // pending, and commit empties it only once MapDB holds the entries
        Long a = pending.get(s);
        if (a == null) a = committing.get(s);
        if (a == null) a = scores.get(s.toBytes());
        return a == null ? -1 : a;
    }

    public void put(Score s, long address) {
        pending.put(s, address);
    }

    public long size() {
        return scores.sizeLong() + pending.size() + committing.size();
    }

    public void forEach(BiConsumer<Score, Long> action) {
        for (var e : scores.getEntries())
            action.accept(Score.fromBytes(e.getKey(), 0), e.getValue());
        committing.forEach(action);
        pending.forEach(action);
    }

    /**
     * Makes every put so far durable together with the checkpoint and counters. The arenas must
     * already be durable up to {@code checkpoint}.
     */
    public void commit(long checkpoint, long[] counters) throws IOException {
        commit(detach(), checkpoint, counters);
    }

    /**
     * Takes the entries put so far as a batch for {@link #commit(Map, long, long[])}; later puts
     * collect apart. The caller serializes this with puts and with other commits.
     */
    public Map<Score, Long> detach() {
        if (!committing.isEmpty()) throw new IllegalStateException("a commit is in progress");
        Map<Score, Long> batch = pending;
        committing = batch;
        pending = new ConcurrentHashMap<>();
        return batch;
    }

    /** A failed commit's entries return to the pending ones, so lookups keep finding them. */
    public void restore(Map<Score, Long> batch) {
        pending.putAll(batch);
        committing = Map.of();
    }

    /**
     * Makes a detached batch durable together with the checkpoint and counters (every entry put
     * before the detach). The arenas must already be durable up to {@code checkpoint}.
     */
    public void commit(Map<Score, Long> batch, long checkpoint, long[] counters)
        throws IOException {
        Path marker = dir.resolve(MARKER);
        Files.deleteIfExists(marker);
        fsyncDir();
        for (Map.Entry<Score, Long> e : batch.entrySet()) {
            scores.put(e.getKey().toBytes(), e.getValue());
        }
        db.commit();
        committing = Map.of();
        ByteBuffer bb = ByteBuffer.allocate(MARKER_SIZE);
        bb.putInt(MAGIC).putInt(VERSION).putLong(checkpoint);
        for (long c : counters)
            bb.putLong(c);
        CRC32C crc = new CRC32C();
        crc.update(bb.array(), 0, MARKER_SIZE - 4);
        bb.putInt((int) crc.getValue());
        Path tmp = dir.resolve(MARKER + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            bb.flip();
            while (bb.hasRemaining())
                ch.write(bb);
            ch.force(true);
        }
        Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE);
        fsyncDir();
        committed = checkpoint;
    }

    private void fsyncDir() throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        db.close();
    }
}
