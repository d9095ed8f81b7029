package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;
import org.mapdb.Atomic;
import org.mapdb.DB;
import org.mapdb.DBException;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;
import org.mapdb.Store;

/**
 * Score → arena address, kept in MapDB as sorted buckets of entries (a file, mmap'd, off-heap).
 *
 * <p>The index lags the arenas on purpose, as Venti's does. New entries wait in a small on-heap
 * map and reach MapDB in batches at {@link #commit}, which also records a checkpoint: the arena
 * address below which every record is indexed. After a crash, records past the checkpoint are
 * simply read again from the arenas, so the store's {@code sync()} only forces arenas. A batch
 * can be {@link #detach detached} and committed on another thread while new entries collect in
 * a fresh map; lookups see the fresh map, the batch being committed, then MapDB.
 *
 * <p><b>Buckets.</b> A score's bucket is the low {@code bits} of its third word (SHA-1 output
 * is uniform). A bucket is one MapDB record, its entries sorted by score, so a lookup is one
 * record read and a binary search, and a commit rewrites each bucket it touches once, whatever
 * the number of its new entries. One MapDB put per entry cost an import of a 1 GiB ext4 image
 * 0.75-0.9 s for its 163 K blocks, a quarter of the import. The buckets are records of MapDB's
 * store, found through a directory of their record ids, not values of an {@code HTreeMap}: its
 * hash tree rewrote four levels of nodes per bucket, and writing the 2,048 buckets of that
 * import took 68-79 ms through the map against 25-30 ms as records (cold JVMs, as a command
 * runs). When the buckets average more than {@value #SPLIT_AT} entries a commit doubles their
 * number (several times if the batch is large): bucket {@code i} splits into {@code i} and
 * {@code i + 2^bits}. The new buckets are written as new records and the directory naming them
 * is written and published before the old records are deleted.
 *
 * <pre>
 * MapDB record "directory" (its id in the atomic long "directory"): long[2^bits], serialized
 * by Serializer.LONG_ARRAY: the record id of each bucket, 0 for an empty one
 *
 * bucket record: entries sorted by score (unsigned, byte by byte), 28 bytes each
 * | offset | size | field                         |
 * |--------|------|-------------------------------|
 * | 0      | 20   | score                         |
 * | 20     | 8    | address, big-endian           |
 *
 * MapDB atomic long "entries": the number of entries in the buckets
 * </pre>
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
 * | 4      | 4    | version, 3; others are rebuilt (1:  |
 * |        |      | a MapDB entry per score; 2: buckets |
 * |        |      | as values of an HTreeMap)           |
 * | 8      | 8    | checkpoint: arena &lt;&lt; 40 | offset     |
 * | 16     | 40   | counters: logical, unique, stored,  |
 * |        |      | blocks, puts (8 bytes each)         |
 * | 56     | 4    | CRC32C of bytes 0..55               |
 * </pre>
 *
 * No marker (a crash inside a commit, a lost or damaged file, an index of another version)
 * means the index is rebuilt from the arenas. Addresses are
 * {@code arena << 40 | slot << 32 | offset}: the record's place in its arena and, for a block in
 * a {@link FrameRecord}, its slot in the frame's table (0 for a block alone in its record).
 * Thread-safe for get/put; commits are serialized by the store.
 */
public final class ScoreIndex implements AutoCloseable {
    public static final String FILE = "index.db";
    public static final String MARKER = "index.clean";
    static final int OFFSET_BITS = 32;
    static final int ARENA_SHIFT = 40;
    public static final long MAX_ARENA_SIZE = 1L << OFFSET_BITS;
    private static final int MAGIC = 0x56444958;
    public static final int VERSION = 3;
    private static final int MARKER_SIZE = 60;
    /** Bucket entries: score, then address. */
    static final int ENTRY = Score.SIZE + 8;
    /** Average entries per bucket above which a commit doubles the buckets. */
    static final int SPLIT_AT = 128;
    static final int MAX_BITS = 27;
    private static final byte[] EMPTY = new byte[0];
    private static final Serializer<byte[]> BUCKET = Serializer.BYTE_ARRAY_NOSIZE;
    private static final VarHandle LONG_AT = MethodHandles.byteArrayViewVarHandle(long[].class,
        ByteOrder.BIG_ENDIAN);

    /** Indexes of the counters kept in the marker. */
    public static final int LOGICAL = 0, UNIQUE = 1, STORED = 2, BLOCKS = 3, PUTS = 4;

    private final Path dir;
    private final Path file;
    private final DB db;
    private final Store store;
    /** Record id of the directory record. */
    private final long directoryRecid;
    private final Atomic.Long storedEntries;
    /**
     * The buckets' record ids. Replaced whole when a bucket is added or the buckets double, so
     * a lookup reads one consistent directory; a bucket's record is updated in place.
     */
    private volatile Directory directory;
    /** Entries in MapDB; written by commits only. */
    private volatile long entries;
    /** Entries since the last detach. Replaced, never cleared, so lookups need no lock. */
    private volatile PendingEntries pending;
    /** The detached batch while it is written to MapDB; empty otherwise. */
    private volatile PendingEntries committing = NONE;
    private static final PendingEntries NONE = new PendingEntries();
    private final long checkpoint;
    /** The checkpoint of the last commit, or {@link #checkpoint} before the first. */
    private volatile long committed;
    private final long[] counters;
    private boolean closed;

    private ScoreIndex(Path dir, DB db, long checkpoint, long[] counters) {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.db = db;
        this.store = db.getStore();
        Atomic.Long dirId = db.atomicLong("directory").createOrOpen();
        if (dirId.get() == 0) dirId.set(store.put(new long[1], Serializer.LONG_ARRAY));
        this.directoryRecid = dirId.get();
        long[] recids = store.get(directoryRecid, Serializer.LONG_ARRAY);
        this.storedEntries = db.atomicLong("entries").createOrOpen();
        this.entries = storedEntries.get();
        if (recids == null || Integer.bitCount(recids.length) != 1
            || recids.length > 1 << MAX_BITS || entries < 0)
            throw new IllegalStateException(file + ": directory of "
                + (recids == null ? "null" : recids.length) + " buckets, " + entries
                + " entries");
        this.directory = new Directory(Integer.numberOfTrailingZeros(recids.length), recids);
        this.checkpoint = checkpoint;
        this.committed = checkpoint;
        this.counters = counters;
        this.pending = new PendingEntries();
    }

    /** The buckets' record ids by bucket number (0: empty), for {@code bits}. */
    private record Directory(int bits, long[] recids) {
    }

    /** Loads MapDB's classes by making and dropping a small store in memory. */
    public static void preload() {
        try (DB db = DBMaker.memoryDB().make()) {
            Store s = db.getStore();
            db.atomicLong("directory").createOrOpen().set(s.put(new long[1],
                Serializer.LONG_ARRAY));
            s.update(s.put(new byte[ENTRY], BUCKET), new byte[2 * ENTRY], BUCKET);
            db.commit();
        }
    }

    /**
     * Opens the index, or starts an empty one (checkpoint 0, so everything is re-read) when it is
     * missing, was not closed by a completed commit, or cannot be read.
     */
    public static ScoreIndex open(Path dir) throws IOException {
        long[] counters = new long[5];
        long checkpoint = readMarker(dir.resolve(MARKER), counters);
        if (checkpoint < 0) {
            if (Files.exists(dir.resolve(MARKER))) {
                System.getLogger(ScoreIndex.class.getName()).log(System.Logger.Level.WARNING,
                    "{0}: damaged or of another index version; rebuilding the index from the "
                        + "arenas",
                    dir.resolve(MARKER));
            }
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
            return new ScoreIndex(dir, db, checkpoint, counters);
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
        return (long) arena << ARENA_SHIFT | offset;
    }

    public static long address(int arena, long offset, int slot) {
        return (long) arena << ARENA_SHIFT | (long) slot << OFFSET_BITS | offset;
    }

    public static int arenaOf(long address) {
        return (int) (address >>> ARENA_SHIFT);
    }

    /** The block's slot in the frame record at the address; 0 for a single block's record. */
    public static int slotOf(long address) {
        return (int) (address >>> OFFSET_BITS) & 0xff;
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
        long a = pending.get(s);
        if (a < 0) a = committing.get(s);
        if (a >= 0) return a;
        byte[] probe = s.toBytes();
        for (;;) {
            Directory d = directory;
            long recid = d.recids[bucketOf(s, d.bits)];
            if (recid == 0) return -1;
            byte[] bucket;
            try {
                bucket = store.get(recid, BUCKET);
            } catch (DBException.GetVoid e) {
                if (directory != d) continue; // a doubling deleted the old buckets meanwhile
                throw e;
            }
            // Deleted and reused by another bucket since? Old records are deleted only after
            // their directory is replaced.
            if (directory != d) continue;
            int i = search(bucket, bucket.length / ENTRY, probe);
            return i >= 0 ? (long) LONG_AT.get(bucket, i * ENTRY + Score.SIZE) : -1;
        }
    }

    public void put(Score s, long address) {
        pending.put(s, address);
    }

    public long size() {
        return entries + pending.size() + committing.size();
    }

    public void forEach(BiConsumer<Score, Long> action) {
        for (long recid : directory.recids) {
            if (recid == 0) continue;
            byte[] bucket = store.get(recid, BUCKET);
            for (int at = 0; at < bucket.length; at += ENTRY)
                action.accept(Score.fromBytes(bucket, at), (long) LONG_AT.get(bucket,
                    at + Score.SIZE));
        }
        committing.forEach(action);
        pending.forEach(action);
    }

    private static int bucketOf(Score s, int bits) {
        return bucketOf(s.word(2), bits);
    }

    /** The bucket of a score whose third word is {@code word2}. */
    private static int bucketOf(int word2, int bits) {
        return word2 & (1 << bits) - 1;
    }

    /** Binary search of a bucket's first {@code n} entries: the index, or -1. */
    private static int search(byte[] bucket, int n, byte[] probe) {
        int lo = 0, hi = n - 1;
        while (lo <= hi) {
            int mid = lo + hi >>> 1;
            int c = Arrays.compareUnsigned(bucket, mid * ENTRY, mid * ENTRY + Score.SIZE, probe,
                0, Score.SIZE);
            if (c < 0) lo = mid + 1;
            else if (c > 0) hi = mid - 1;
            else
                return mid;
        }
        return -1;
    }

    /**
     * Makes every put so far durable together with the checkpoint and counters. The arenas must
     * already be durable up to {@code checkpoint}.
     */
    public void commit(long checkpoint, long[] counters) throws IOException {
        commit(detach(), checkpoint, counters);
    }

    /**
     * Takes the entries put so far as a batch for {@link #commit(PendingEntries, long, long[])};
     * later puts collect apart. The caller serializes this with puts and with other commits.
     */
    public PendingEntries detach() {
        if (!committing.isEmpty()) throw new IllegalStateException("a commit is in progress");
        PendingEntries batch = pending;
        committing = batch;
        pending = new PendingEntries();
        return batch;
    }

    /** A failed commit's entries return to the pending ones, so lookups keep finding them. */
    public void restore(PendingEntries batch) {
        pending.putAll(batch);
        committing = NONE;
    }

    /**
     * Makes a detached batch durable together with the checkpoint and counters (every entry put
     * before the detach). The arenas must already be durable up to {@code checkpoint}.
     */
    public void commit(PendingEntries batch, long checkpoint, long[] counters)
        throws IOException {
        Path marker = dir.resolve(MARKER);
        Files.deleteIfExists(marker);
        fsyncDir();
        try {
            writeBuckets(batch);
            db.commit();
        } catch (RuntimeException e) {
            // MapDB's own errors (a VolumeIOError on a full file system) name no file
            throw new IOException(file + ": " + ioMessage(e), e);
        }
        committing = NONE;
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
        } catch (IOException e) {
            if (e instanceof java.nio.file.FileSystemException) throw e; // names the file
            throw new IOException(tmp + ": " + e.getMessage(), e);
        }
        Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE);
        fsyncDir();
        committed = checkpoint;
    }

    /**
     * Merges the batch into the buckets it falls in, doubling their number first if the index
     * outgrows them. Every bucket is written once.
     */
    private void writeBuckets(PendingEntries batch) {
        if (batch.isEmpty()) return;
        Directory d = directory;
        long[] recids = d.recids;
        int from = d.bits;
        int to = from;
        long total = entries + batch.size();
        while (to < MAX_BITS && total > (long) SPLIT_AT << to)
            to++;
        Grouped g = new Grouped(batch, to);
        long added = 0;
        if (to == from) {
            long[] next = recids; // copied at the first new bucket
            for (int bucket = 0; bucket < 1 << to; bucket++) {
                if (g.isEmpty(bucket)) continue;
                long recid = recids[bucket];
                byte[] old = recid == 0 ? EMPTY : store.get(recid, BUCKET);
                byte[] merged = g.mergeInto(old, bucket);
                added += (merged.length - old.length) / ENTRY;
                if (recid != 0) {
                    store.update(recid, merged, BUCKET);
                } else {
                    if (next == recids) next = recids.clone();
                    next[bucket] = store.put(merged, BUCKET);
                }
            }
            if (next != recids) publish(new Directory(to, next));
        } else {
            // Old bucket i holds the old entries of new buckets i + m * 2^from.
            long[] next = new long[1 << to];
            for (int old = 0; old < 1 << from; old++) {
                byte[] parent = recids[old] == 0 ? EMPTY : store.get(recids[old], BUCKET);
                for (int child = old; child < 1 << to; child += 1 << from) {
                    byte[] mine = childOf(parent, child, to);
                    byte[] merged = g.mergeInto(mine, child);
                    added += (merged.length - mine.length) / ENTRY;
                    if (merged.length > 0) next[child] = store.put(merged, BUCKET);
                }
            }
            publish(new Directory(to, next)); // lookups move to the new buckets; the old go
            for (long recid : recids) {
                if (recid != 0) store.delete(recid, BUCKET);
            }
        }
        entries += added;
        storedEntries.set(entries);
    }

    private void publish(Directory d) {
        store.update(directoryRecid, d.recids, Serializer.LONG_ARRAY);
        directory = d;
    }

    /**
     * A batch's entries grouped by bucket (a counting sort), scores and addresses side by side.
     * Arrays, not a map: at close, an import of a 1 GiB ext4 image spent 0.18 s merging its
     * 163 K entries, most of it looking each address up in the map again, sorting with the
     * comparator sort and iterating the map twice.
     */
    private static final class Grouped {
        private final Score[] scores;
        private final long[] addresses;
        /** Group {@code b} is {@code [starts[b], starts[b + 1])}. */
        private final int[] starts;

        Grouped(PendingEntries batch, int bits) {
            int n = batch.size();
            Score[] keys = new Score[n];
            long[] values = new long[n];
            n = batch.copyTo(keys, values);
            int[] counts = new int[(1 << bits) + 1];
            int[] bucket = new int[n];
            for (int from = 0; from < n; from += STEP)
                count(keys, from, Math.min(n, from + STEP), bits, counts, bucket);
            for (int i = 1; i < counts.length; i++)
                counts[i] += counts[i - 1];
            starts = counts;
            scores = new Score[n];
            addresses = new long[n];
            int[] next = Arrays.copyOf(counts, counts.length - 1);
            for (int from = 0; from < n; from += STEP)
                place(keys, values, bucket, from, Math.min(n, from + STEP), next);
        }

        /**
         * Loops of a method called once run interpreted (the commands run without on-stack
         * replacement), so the passes over a batch go in steps of a method called many times.
         */
        private static final int STEP = 512;

        /** Each score is read once here: they lie all over the heap, a cache miss apiece. */
        private static void count(Score[] keys, int from, int to, int bits, int[] counts,
            int[] bucket) {
            for (int i = from; i < to; i++) {
                bucket[i] = bucketOf(keys[i], bits);
                counts[bucket[i] + 1]++;
            }
        }

        private void place(Score[] keys, long[] values, int[] bucket, int from, int to,
            int[] next) {
            for (int i = from; i < to; i++) {
                int at = next[bucket[i]]++;
                scores[at] = keys[i];
                addresses[at] = values[i];
            }
        }

        boolean isEmpty(int bucket) {
            return starts[bucket] == starts[bucket + 1];
        }

        /**
         * The sorted entries of {@code bucketBytes} with the group's merged in; a score in both
         * keeps the batch's address.
         */
        byte[] mergeInto(byte[] bucketBytes, int bucket) {
            int from = starts[bucket], to = starts[bucket + 1];
            if (from == to) return bucketBytes;
            sort(from, to);
            int n = bucketBytes.length / ENTRY;
            byte[] out = new byte[bucketBytes.length + (to - from) * ENTRY];
            int i = 0, o = 0;
            for (int k = from; k < to; k++) {
                scores[k].copyTo(out, o); // the probe, compared where it lands
                while (i < n && Arrays.compareUnsigned(bucketBytes, i * ENTRY, i * ENTRY
                    + Score.SIZE, out, o, o + Score.SIZE) < 0) {
                    System.arraycopy(bucketBytes, i * ENTRY, out, o, ENTRY);
                    i++;
                    o += ENTRY;
                    scores[k].copyTo(out, o);
                }
                if (i < n && Arrays.equals(bucketBytes, i * ENTRY, i * ENTRY + Score.SIZE, out,
                    o, o + Score.SIZE))
                    i++; // replaced
                LONG_AT.set(out, o + Score.SIZE, addresses[k]);
                o += ENTRY;
            }
            System.arraycopy(bucketBytes, i * ENTRY, out, o, (n - i) * ENTRY);
            o += (n - i) * ENTRY;
            return o == out.length ? out : Arrays.copyOf(out, o);
        }

        /**
         * Shell sort of {@code [from, to)} by score, moving addresses along. Groups average
         * {@value #SPLIT_AT} entries or fewer, where this is as quick as a merge sort and small
         * enough to compile at once.
         */
        private void sort(int from, int to) {
            int n = to - from;
            for (int gap : GAPS) {
                if (gap >= n) continue;
                for (int i = from + gap; i < to; i++) {
                    Score s = scores[i];
                    long a = addresses[i];
                    int j = i;
                    for (; j - gap >= from && scores[j - gap].compareTo(s) > 0; j -= gap) {
                        scores[j] = scores[j - gap];
                        addresses[j] = addresses[j - gap];
                    }
                    scores[j] = s;
                    addresses[j] = a;
                }
            }
        }

        /** Ciura's gaps, extended by × 2.25; the last is 1, an insertion sort. */
        private static final int[] GAPS = {
            112_400, 49_955, 22_202, 9_868, 4_385, 1_750, 701, 301, 132, 57, 23, 10, 4, 1};
    }

    /** The entries of {@code parent} that fall in bucket {@code child} of {@code bits}. */
    private static byte[] childOf(byte[] parent, int child, int bits) {
        int n = 0;
        byte[] out = new byte[parent.length];
        for (int at = 0; at < parent.length; at += ENTRY) {
            if (bucketOf(Score.wordAt(parent, at, 2), bits) == child) {
                System.arraycopy(parent, at, out, n, ENTRY);
                n += ENTRY;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** The message of the I/O failure under a MapDB error, or the error itself. */
    private static String ioMessage(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException) return t.getMessage();
        }
        return String.valueOf(e);
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
