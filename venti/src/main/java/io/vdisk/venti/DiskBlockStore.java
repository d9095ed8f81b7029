package io.vdisk.venti;

import io.vdisk.venti.internal.Arena;
import io.vdisk.venti.internal.ArenaRecord;
import io.vdisk.venti.internal.BlockCache;
import io.vdisk.venti.internal.SlabCache;
import io.vdisk.venti.internal.CorruptStoreException;
import io.vdisk.venti.internal.FrameRecord;
import io.vdisk.venti.internal.ScoreFilter;
import io.vdisk.venti.internal.ScoreIndex;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The on-disk block store: append-only arenas of self-describing records, and a MapDB index from
 * score to arena address (see {@link ArenaRecord}, {@link FrameRecord}, {@link Arena},
 * {@link ScoreIndex}).
 *
 * <p><b>Writes.</b> Hashing and compression run on the caller's thread; only the append and the
 * index insert are serialized. A Bloom filter answers "new block" without touching the index.
 * New blocks put together go into zstd frames; a block alone gets an LZ4 record. Either is
 * stored as it is when compression does not make it smaller.
 *
 * <p><b>Durability</b> ({@link BlockStore#sync()}): sync forces the arenas written since the last
 * sync (one fdatasync each; concurrent callers share it). The index is committed lazily, every
 * {@link Options#indexCommitRecords} records and at close, together with a checkpoint: the arena
 * address below which everything is indexed. Those periodic commits run on a background thread
 * so that writers do not stall behind MapDB; writers wait only when a commit falls more than
 * {@value #COMMIT_BACKLOG} batches behind. Arenas are forced before a newer one is created.
 *
 * <p><b>Reads</b> take one pread for header and payload, decompress, and hash the result against
 * the score; a run of blocks that lie one after another in an arena takes one pread for all. Blocks that verified stay cached within a byte budget, so a hot block is read and
 * hashed once per process: data blocks in a {@link SlabCache} of direct memory, whose slices
 * {@link #readRun(Score[], int, BlockType, int, Gather)} hands out without a copy, and the
 * other blocks (pointers, directories, roots) in a {@link BlockCache} of arrays, an eighth of
 * the budget. {@link #verify} always reads the arenas.
 *
 * <p><b>Recovery on open.</b> Records past the checkpoint are read again, verified and indexed. In
 * the last arena the first record that does not verify is a torn tail and is cut off; in an
 * older arena a damaged record header is corruption and refuses the open. A missing or
 * unreadable index is rebuilt from the arenas.
 *
 * <p>Thread-safe. One process at a time: a lock file refuses a second opener.
 */
public final class DiskBlockStore implements BlockStore {
    /**
     * The logger, made on first use: the first System.getLogger of a process starts SLF4J,
     * whose service lookups open every jar on the class path, 50 ms of a command's start.
     */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(DiskBlockStore.class.getName());
    }
    private static final Pattern ARENA_NAME = Pattern.compile("arena-(\\d{6})\\.vda");
    private static final String LOCK_FILE = "store.lock";
    private static final int SPECULATIVE_READ = 16 << 10;
    /**
     * Per reader thread, so a block read allocates (and zeroes) only the block itself. Direct, so
     * the pread lands in it without the JDK's bounce through a temporary direct buffer.
     */
    private static final ThreadLocal<ByteBuffer> READ_BUFFER = ThreadLocal
        .withInitial(() -> ByteBuffer.allocateDirect(ArenaRecord.HEADER_SIZE + SPECULATIVE_READ));
    private static final byte[] NO_BYTES = new byte[0];
    /** Batches of new entries that may pile up behind a running index commit. */
    private static final int COMMIT_BACKLOG = 4;

    /**
     * Tunables. Immutable.
     *
     * @param cacheBytes budget of the cache of verified blocks ({@link BlockCache}); 0 turns it
     *     off
     */
    public record Options(long maxArenaSize, boolean compress, long indexCommitRecords,
        boolean fsync, Clock clock, long cacheBytes) {
        /** Arenas of 1 GiB, LZ4, the verified-block cache a quarter of the heap (at most 2 GiB). */
        public static Options defaults() {
            return new Options(1L << 30, true, 1 << 18, true, Clock.systemUTC(),
                Long.getLong("vdisk.cacheBytes",
                    Math.min(2L << 30, Runtime.getRuntime().maxMemory() / 4)));
        }

        public Options withMaxArenaSize(long n) {
            return new Options(n, compress, indexCommitRecords, fsync, clock, cacheBytes);
        }

        public Options withCompress(boolean c) {
            return new Options(maxArenaSize, c, indexCommitRecords, fsync, clock, cacheBytes);
        }

        public Options withIndexCommitRecords(long n) {
            return new Options(maxArenaSize, compress, n, fsync, clock, cacheBytes);
        }

        public Options withFsync(boolean f) {
            return new Options(maxArenaSize, compress, indexCommitRecords, f, clock, cacheBytes);
        }

        public Options withCacheBytes(long n) {
            return new Options(maxArenaSize, compress, indexCommitRecords, fsync, clock, n);
        }
    }

    private final Path dir;
    private final Options options;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ScoreIndex index;
    private final ScoreFilter filter;
    private final BlockCache cache;
    private final SlabCache data;
    private final FrameReader frameReader = new FrameReader();
    /** New blocks a putRun is encoding, by score: another writer of one waits instead. */
    private final ConcurrentHashMap<Score, Claim> inFlight = new ConcurrentHashMap<>();
    private final LZ4Compressor compressor = LZ4Factory.fastestInstance().fastCompressor();
    /**
     * The safe decompressor: arena payloads are not covered by their header's CRC, and the fast
     * one trusts its input, reading past it when a damaged length says so.
     */
    private final LZ4SafeDecompressor decompressor = LZ4Factory.fastestInstance()
        .safeDecompressor();

    private final Object appendLock = new Object();
    private final Object syncLock = new Object();
    private volatile Arena[] arenas;
    private Arena current;
    private final Set<Arena> unsynced = new LinkedHashSet<>();
    private long appended;
    private long synced;
    private long sinceCommit;
    private boolean closed;
    /** Guarded by appendLock: a background index commit is running. */
    private boolean commitRunning;
    /** Guarded by appendLock: why the last background commit failed, reported to writers. */
    private IOException commitFailure;
    /** Guarded by appendLock: arena end when the last background writeback was started. */
    private long writebackFrom;
    private final AtomicBoolean writebackRunning = new AtomicBoolean();
    /**
     * Forces the current arena every {@value #WRITEBACK_BYTES} bytes in the background, so that
     * the forces that writers do wait for (at a roll, a sync, an index commit) find little
     * left to write.
     */
    private final ExecutorService writeback = daemonThread("venti-writeback");
    private static final long WRITEBACK_BYTES = 64 << 20;
    private final ExecutorService committer = daemonThread("venti-index-commit");

    private final AtomicLong logical = new AtomicLong();
    private final AtomicLong unique = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();
    private final AtomicLong blocks = new AtomicLong();
    private final AtomicLong puts = new AtomicLong();

    private DiskBlockStore(Path dir, Options options, FileChannel lockChannel, FileLock lock,
        ScoreIndex index, List<Arena> arenas, ScoreFilter filter) {
        this.dir = dir;
        this.options = options;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.index = index;
        this.arenas = arenas.toArray(new Arena[0]);
        this.filter = filter;
        this.cache = new BlockCache(options.cacheBytes() / 8);
        this.data = new SlabCache(options.cacheBytes() - options.cacheBytes() / 8);
    }

    public static DiskBlockStore open(Path dir) throws IOException {
        return open(dir, Options.defaults());
    }

    /** Opens or creates a store in {@code dir}, recovering from a crash if need be. */
    public static DiskBlockStore open(Path dir, Options options) throws IOException {
        if (options.maxArenaSize() > ScoreIndex.MAX_ARENA_SIZE
            || options.maxArenaSize() < Arena.HEADER_SIZE + ArenaRecord.HEADER_SIZE) {
            throw new IllegalArgumentException("arena size " + options.maxArenaSize());
        }
        Files.createDirectories(dir);
        FileChannel lc = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lc.tryLock();
        } catch (IOException e) {
            lc.close();
            throw e;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lc.close(); // this process has it open already
            throw new StoreInUseException(dir);
        }
        if (lock == null) {
            lc.close();
            throw new StoreInUseException(dir);
        }
        List<Arena> arenas = new ArrayList<>();
        ScoreIndex index = null;
        try {
            arenas = openArenas(dir);
            index = openIndex(dir, !arenas.isEmpty());
            if (indexAheadOfArenas(index, arenas)) {
                // The index names records the arenas no longer hold: build it again.
                Log.LOG.log(System.Logger.Level.WARNING,
                    "{0}: index checkpoint lies past the end of the arenas; rebuilding",
                    index.file());
                index.close();
                ScoreIndex.delete(dir);
                index = ScoreIndex.open(dir);
            }
            ScoreFilter saved = ScoreFilter.load(dir.resolve(ScoreFilter.FILE),
                index.committedCheckpoint());
            ScoreFilter filter = saved != null
                ? saved
                : new ScoreFilter(Math.max(1 << 20, 2 * index.counter(ScoreIndex.BLOCKS)));
            DiskBlockStore s = new DiskBlockStore(dir, options, lc, lock, index, arenas, filter);
            s.recover(saved == null);
            return s;
        } catch (IOException | RuntimeException e) {
            for (Arena a : arenas)
                a.close();
            if (index != null)
                index.close();
            lock.release();
            lc.close();
            throw e;
        }
    }

    private static List<Arena> openArenas(Path dir) throws IOException {
        List<Integer> numbers = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().endsWith(Arena.TEMP_SUFFIX)) {
                    Files.delete(p); // an arena whose creation a crash cut short
                    continue;
                }
                Matcher m = ARENA_NAME.matcher(p.getFileName().toString());
                if (m.matches())
                    numbers.add(Integer.parseInt(m.group(1)));
            }
        }
        numbers.sort(null);
        List<Arena> arenas = new ArrayList<>();
        try {
            for (int i = 0; i < numbers.size(); i++) {
                if (numbers.get(i) != i) {
                    throw new CorruptStoreException(dir.resolve(Arena.fileName(i))
                        + ": arena is missing (found " + Arena.fileName(numbers.get(i)) + ")");
                }
                arenas.add(Arena.open(dir.resolve(Arena.fileName(i)), i));
            }
        } catch (IOException e) {
            for (Arena a : arenas)
                a.close();
            throw e;
        }
        return arenas;
    }

    private static ScoreIndex openIndex(Path dir, boolean haveArenas) throws IOException {
        if (haveArenas && !Files.exists(dir.resolve(ScoreIndex.MARKER))) {
            Log.LOG.log(System.Logger.Level.WARNING,
                "{0}: index missing or not cleanly committed; rebuilding from the arenas", dir);
        }
        return ScoreIndex.open(dir);
    }

    private static boolean indexAheadOfArenas(ScoreIndex index, List<Arena> arenas) {
        long cp = index.checkpoint();
        int a = ScoreIndex.arenaOf(cp);
        if (cp == 0)
            return false;
        return a >= arenas.size() || ScoreIndex.offsetOf(cp) > arenas.get(a).end();
    }

    /** Indexes what lies past the checkpoint and cuts a torn tail off the last arena. */
    private void recover(boolean fillFilter) throws IOException {
        long cp = index.checkpoint();
        Arena[] as = arenas;
        int cpArena = ScoreIndex.arenaOf(cp);
        long cpOffset = Math.max(Arena.HEADER_SIZE, ScoreIndex.offsetOf(cp));
        logical.set(index.counter(ScoreIndex.LOGICAL));
        unique.set(index.counter(ScoreIndex.UNIQUE));
        stored.set(index.counter(ScoreIndex.STORED));
        blocks.set(index.counter(ScoreIndex.BLOCKS));
        puts.set(index.counter(ScoreIndex.PUTS));
        if (fillFilter)
            index.forEach((score, addr) -> filter.add(score));
        long rescanned = 0;
        for (int a = cpArena; a < as.length; a++) {
            long from = a == cpArena ? cpOffset : Arena.HEADER_SIZE;
            rescanned += rescan(as[a], from, a == as.length - 1);
        }
        if (as.length == 0) {
            current = Arena.create(dir, 0, options.clock().millis());
            arenas = new Arena[]{current};
        } else {
            current = as[as.length - 1];
        }
        if (rescanned > 0) {
            Log.LOG.log(System.Logger.Level.INFO,
                "{0}: indexed {1} records found past the checkpoint",
                dir, rescanned);
            commitIndex();
        }
    }

    private long rescan(Arena arena, long from, boolean last) throws IOException {
        long pos = from;
        long n = 0;
        ByteBuffer header = ByteBuffer.allocate(ArenaRecord.HEADER_SIZE);
        while (pos < arena.end()) {
            Scanned r = scan(arena, pos, header);
            if (r.problem != null && last) {
                Log.LOG.log(System.Logger.Level.INFO, "{0} offset {1}: cutting torn tail ({2})",
                    arena.path(), pos, r.problem);
                arena.truncate(pos);
                return n;
            }
            if (r.scores == null)
                throw new CorruptStoreException(r.problem);
            if (r.problem != null) {
                Log.LOG.log(System.Logger.Level.WARNING, "{0} offset {1}: skipping damaged blocks "
                    + "({2})", arena.path(), pos, r.problem);
            }
            boolean added = false;
            for (int slot = 0; slot < r.scores.length; slot++) {
                Score score = r.scores[slot];
                if (!r.good[slot] || index.get(score) >= 0) continue;
                index.put(score, ScoreIndex.address(arena.number(), pos, slot));
                filter.add(score);
                unique.addAndGet(r.lengths[slot]);
                blocks.incrementAndGet();
                logical.addAndGet(r.lengths[slot]);
                puts.incrementAndGet();
                added = true;
            }
            if (added) {
                stored.addAndGet(r.size);
                n++;
            }
            pos += r.size;
        }
        return n;
    }

    /**
     * A record as a walk over an arena finds it: its size and blocks, which of them verified,
     * and the first problem. A record whose header is damaged has no blocks, and the walk
     * cannot go past it; a frame block that did not verify has a null score.
     */
    private record Scanned(long size, Score[] scores, int[] lengths, boolean[] good,
        String problem) {
    }

    /** Reads, decompresses and verifies the record at {@code pos}, whichever its kind. */
    private Scanned scan(Arena arena, long pos, ByteBuffer header) throws IOException {
        header.clear();
        arena.read(header, pos);
        header.flip();
        String[] why = new String[1];
        if (FrameRecord.startsAt(header, 0)) {
            FrameRecord r;
            try {
                r = frameReader.header(arena, pos, null);
            } catch (CorruptBlockException e) {
                return new Scanned(0, null, null, null, e.getMessage());
            }
            int n = r.count();
            Score[] scores = new Score[n];
            int[] lengths = new int[n];
            boolean[] good = new boolean[n];
            String problem = null;
            byte[] blocks = null;
            try {
                blocks = frameReader.decompress(arena, pos, r, null);
            } catch (CorruptBlockException e) {
                problem = e.getMessage();
            }
            // the table keeps only the start of each score: hashing the block names it
            for (int slot = 0; slot < n; slot++) {
                lengths[slot] = r.blockLength(slot);
                if (blocks == null) continue;
                Score actual = Score.hash(blocks, r.blockOffset(slot), lengths[slot]);
                if (r.mayHold(slot, actual)) {
                    scores[slot] = actual;
                    good[slot] = true;
                } else if (problem == null) {
                    problem = arena.path() + " offset " + pos + ": block "
                        + r.prefixHex(slot) + "... (frame slot " + slot
                        + ") does not match its score (stored bytes hash to " + actual + ")";
                }
            }
            return new Scanned(r.totalSize(), scores, lengths, good, problem);
        }
        ArenaRecord r = ArenaRecord.readHeader(header, why);
        if (r == null)
            return new Scanned(0, null, null, null, arena.path() + " offset " + pos + ": "
                + why[0]);
        String problem = null;
        if (pos + r.totalSize() > arena.end()) {
            problem = arena.path() + " offset " + pos + ": record runs past the end of the file";
        } else {
            try {
                readPayload(arena, pos, r);
            } catch (CorruptBlockException e) {
                problem = e.getMessage();
            }
        }
        return new Scanned(r.totalSize(), new Score[]{r.score()}, new int[]{r.length()},
            new boolean[]{problem == null}, problem);
    }

    @Override
    public Score put(BlockType type, byte[] buf, int off, int len) throws IOException {
        if (len == 0) { // a run of no blocks: count the put here
            puts.incrementAndGet();
            return Score.ZERO;
        }
        Score[] score = new Score[1];
        putRun(type, buf, off, len, len, score, 0);
        return score[0];
    }

    /**
     * Encodes the run's new blocks first and then appends them under one hold of the append
     * lock, so that they lie in order: a cold read of them takes one pread. Import workers
     * putting block by block interleaved their records, and a read of an imported image took
     * four preads per 256 KiB. With compression on, new blocks go into {@link FrameRecord}s of
     * up to {@value FrameRecord#TARGET_BYTES} bytes; a lone new block gets a record of its own.
     */
    @Override
    public void putRun(BlockType type, byte[] buf, int off, int len, int blockSize,
        Score[] scores, int at) throws IOException {
        int count = (len + blockSize - 1) / blockSize;
        Score[] fresh = new Score[count];
        int[] freshAt = new int[count];
        int[] freshLength = new int[count];
        Claim mine = new Claim();
        Claim[] others = null; // blocks other writers are storing, and where they are in buf
        int[] otherBlock = null;
        int waits = 0;
        int n = 0;
        try {
            for (int i = 0; i < count; i++) {
                int o = off + i * blockSize;
                int l = Math.min(blockSize, off + len - o);
                puts.incrementAndGet();
                logical.addAndGet(l);
                int t = ZeroTruncation.truncatedLength(type, buf, o, l);
                Score score = t == 0 ? Score.ZERO : Score.hash(buf, o, t);
                scores[at + i] = score;
                if (t == 0 || known(score))
                    continue;
                Claim c = inFlight.putIfAbsent(score, mine);
                if (c == mine)
                    continue; // twice in this run: stored once
                if (c != null) {
                    if (others == null) {
                        others = new Claim[count];
                        otherBlock = new int[count];
                    }
                    others[waits] = c;
                    otherBlock[waits++] = i;
                    continue;
                }
                if (known(score)) { // stored, and its claim let go, since the first look
                    inFlight.remove(score, mine);
                    continue;
                }
                fresh[n] = score;
                freshAt[n] = o;
                freshLength[n] = t;
                n++;
            }
            if (n > 0)
                store(type, buf, fresh, freshAt, freshLength, n);
            mine.stored = true;
        } finally {
            for (int i = 0; i < n; i++)
                inFlight.remove(fresh[i], mine);
            mine.done.countDown();
        }
        // Waited for only now, so that this run's own blocks went first; a writer never waits
        // while it holds claims, so two cannot wait for each other.
        for (int w = 0; w < waits; w++) {
            if (others[w].await())
                continue;
            int i = otherBlock[w], o = off + i * blockSize; // that writer failed: store it here
            int l = Math.min(blockSize, off + len - o);
            puts.decrementAndGet(); // counted again by the put below
            logical.addAndGet(-l);
            putRun(type, buf, o, l, blockSize, scores, at + i);
        }
    }

    /**
     * New blocks one putRun encodes and appends. Another writer that meets one of them waits for
     * this one rather than storing it again: with two import workers, 619 blocks of a 1 GiB ext4
     * image were stored twice (2.4 MB before compression), each in two concurrent runs.
     */
    private static final class Claim {
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean stored;

        /** @return whether the blocks were stored; false if their writer failed */
        boolean await() throws InterruptedIOException {
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for another writer");
            }
            return stored;
        }
    }

    /** Called by a writer before it encodes the new blocks it claimed; tests make it fail. */
    interface BeforeStore {
        void blocks(Score[] fresh, int n) throws IOException;
    }

    /** For tests in this package: a fault to inject between claiming blocks and storing them. */
    static volatile BeforeStore beforeStore;

    /** Encodes the fresh blocks into records, then appends them under one hold of the lock. */
    private void store(BlockType type, byte[] buf, Score[] fresh, int[] freshAt,
        int[] freshLength, int n) throws IOException {
        BeforeStore hook = beforeStore;
        if (hook != null)
            hook.blocks(fresh, n);
        // Records: fresh[firsts[r], firsts[r + 1]), a frame when it holds more than one block.
        int[] firsts = new int[n + 1];
        int records = 0;
        int room = 0;
        for (int i = 0; i < n;) {
            int j = i + 1, bytes = freshLength[i];
            if (options.compress()) {
                while (j < n && j - i < FrameRecord.MAX_BLOCKS
                    && bytes + freshLength[j] <= FrameRecord.TARGET_BYTES)
                    bytes += freshLength[j++];
            }
            firsts[records++] = i;
            room += j - i == 1 ? maxRecordSize(bytes) : FrameRecord.maxSize(j - i, bytes);
            i = j;
        }
        firsts[records] = n;
        byte[] rec = recordScratch(room);
        int[] sizes = new int[records];
        int used = 0;
        for (int r = 0; r < records; r++) {
            int i = firsts[r], k = firsts[r + 1] - i;
            if (k == 1) {
                sizes[r] = encode(type, fresh[i], buf, freshAt[i], freshLength[i], rec, used)
                    .totalSize();
            } else {
                sizes[r] = FrameRecord.encode(type.diskType(), fresh, freshAt, freshLength, i, k,
                    buf, GATHER_SCRATCH.get(), rec, used).totalSize();
            }
            used += sizes[r];
        }
        synchronized (appendLock) {
            int from = 0;
            for (int r = 0; r < records; r++) {
                int i = firsts[r], k = firsts[r + 1] - i;
                appendLocked(fresh, freshLength, i, k, ByteBuffer.wrap(rec, from, sizes[r]));
                from += sizes[r];
            }
        }
    }

    private boolean known(Score score) {
        return filter.mightContain(score) && index.get(score) >= 0;
    }

    private int maxRecordSize(int n) {
        return ArenaRecord.HEADER_SIZE
            + (options.compress() ? compressor.maxCompressedLength(n) : n);
    }

    /** Writes the block's record (header, then payload, compressed if that helps) at dst[pos]. */
    private ArenaRecord encode(BlockType type, Score score, byte[] buf, int off, int n,
        byte[] dst, int pos) {
        int payload = pos + ArenaRecord.HEADER_SIZE;
        int compression = ArenaRecord.COMPRESSION_NONE;
        int storedLen = n;
        if (options.compress()) {
            int c = compressor.compress(buf, off, n, dst, payload);
            if (c < n) {
                compression = ArenaRecord.COMPRESSION_LZ4;
                storedLen = c;
            }
        }
        if (compression == ArenaRecord.COMPRESSION_NONE)
            System.arraycopy(buf, off, dst, payload, n);
        ArenaRecord r = new ArenaRecord(type.diskType(), compression, score, n, storedLen);
        r.writeHeader(ByteBuffer.wrap(dst, pos, ArenaRecord.HEADER_SIZE));
        return r;
    }

    /**
     * Appends an encoded record, a single block's or a frame of {@code scores[from, from + n)},
     * and indexes its blocks. The caller holds their claims (see {@link Claim}), so no other
     * writer stores them meanwhile, even while this waits for the index commit. Holds
     * appendLock.
     */
    private void appendLocked(Score[] scores, int[] lengths, int from, int n, ByteBuffer bytes)
        throws IOException {
        ensureOpen();
        if (backlogged()) {
            while (backlogged())
                awaitCommit();
            ensureOpen(); // the wait let go of appendLock
        }
        if (commitFailure != null)
            commitIndex(); // tries what failed again (room may have been made); throws if not
        int size = bytes.remaining();
        if (current.end() + size > options.maxArenaSize()
            && current.end() > Arena.HEADER_SIZE) {
            roll();
        }
        long at = current.append(bytes);
        for (int slot = 0; slot < n; slot++) {
            Score score = scores[from + slot];
            index.put(score, ScoreIndex.address(current.number(), at, slot));
            filter.add(score);
            unique.addAndGet(lengths[from + slot]);
            blocks.incrementAndGet();
            sinceCommit++;
        }
        unsynced.add(current);
        appended++;
        stored.addAndGet(size);
        if (sinceCommit >= options.indexCommitRecords() && !commitRunning)
            commitIndexInBackground();
        if (options.fsync() && current.end() - writebackFrom >= WRITEBACK_BYTES
            && writebackRunning.compareAndSet(false, true))
            writebackInBackground();
    }

    /** Per writer thread, where a frame's blocks are gathered when they do not lie together. */
    private static final ThreadLocal<byte[]> GATHER_SCRATCH = ThreadLocal
        .withInitial(() -> new byte[FrameRecord.TARGET_BYTES]);

    /**
     * Per writer thread, where put builds a record before the arena copies it in. A fresh array
     * per block was zeroed first: an import of 1 GiB zeroed 0.8 GB it then overwrote.
     */
    private static final ThreadLocal<byte[][]> RECORD_SCRATCH = ThreadLocal
        .withInitial(() -> new byte[1][]);

    /** This thread's scratch array of at least {@code n} bytes. */
    private static byte[] recordScratch(int n) {
        byte[][] holder = RECORD_SCRATCH.get();
        if (holder[0] == null || holder[0].length < n) // an eighth more: runs vary a little
            holder[0] = new byte[Math.max(n + (n >> 3), 64 << 10)];
        return holder[0];
    }

    /** Whether writers must wait for the running commit: entries pile up behind it. */
    private boolean backlogged() {
        return commitRunning && sinceCommit >= COMMIT_BACKLOG * options.indexCommitRecords();
    }

    /** Waits on appendLock for the running background commit to end. Holds appendLock. */
    private void awaitCommit() throws IOException {
        try {
            appendLock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the index commit");
        }
    }

    /**
     * Detaches the entries so far and commits them on the committer thread: it forces the arena
     * they end in (older ones were forced when they rolled), then writes batch and checkpoint.
     * Holds appendLock.
     */
    private void commitIndexInBackground() {
        Arena arena = current;
        long checkpoint = ScoreIndex.address(arena.number(), arena.end());
        long[] counters = counters();
        var batch = index.detach();
        sinceCommit = 0;
        commitRunning = true;
        committer.execute(() -> {
            IOException failure = null;
            try {
                if (options.fsync())
                    arena.force();
                else
                    arena.writeOut();
                index.commit(batch, checkpoint, counters);
            } catch (IOException | RuntimeException | InternalError e) {
                // InternalError: a fault in MapDB's mapped file; writers wait on commitRunning
                failure = e instanceof IOException io ? io : new IOException(e);
                Log.LOG.log(System.Logger.Level.ERROR, "{0}: index commit failed: {1}", dir,
                    String.valueOf(e));
            }
            synchronized (appendLock) {
                if (failure != null) {
                    index.restore(batch);
                    commitFailure = failure;
                }
                commitRunning = false;
                appendLock.notifyAll();
            }
        });
    }

    /** Nobody waits on these threads but for a backlog, so they yield to request threads. */
    private static ExecutorService daemonThread(String name) {
        return Executors.newSingleThreadExecutor(Background.threads(name));
    }

    /** Holds appendLock. */
    private void writebackInBackground() {
        Arena arena = current;
        writebackFrom = arena.end();
        writeback.execute(() -> {
            try {
                arena.force();
            } catch (IOException | RuntimeException e) {
                // not a promise to anyone: the next sync forces again and reports it
                Log.LOG.log(System.Logger.Level.WARNING, "{0}: background writeback: {1}",
                    arena.path(), String.valueOf(e));
            }
            writebackRunning.set(false);
        });
    }

    /** Saved for the next open; losing it only costs that open a walk over the index. */
    private void saveFilter() {
        try {
            filter.save(dir.resolve(ScoreFilter.FILE), index.committedCheckpoint());
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.WARNING, "{0}: cannot save the filter: {1}", dir,
                String.valueOf(e));
        }
    }

    private long[] counters() {
        return new long[]{logical.get(), unique.get(), stored.get(), blocks.get(), puts.get()};
    }

    /** Starts a new arena; the old one is forced first so only the last arena can be torn. */
    private void roll() throws IOException {
        current.seal(options.fsync());
        writebackFrom = 0;
        unsynced.remove(current);
        Arena next = Arena.create(dir, current.number() + 1, options.clock().millis());
        Arena[] as = arenas;
        Arena[] grown = java.util.Arrays.copyOf(as, as.length + 1);
        grown[as.length] = next;
        arenas = grown;
        current = next;
    }

    /**
     * Forces the arenas, then commits entries and checkpoint together, after any background
     * commit. Holds appendLock.
     */
    private void commitIndex() throws IOException {
        while (commitRunning)
            awaitCommit();
        for (Arena a : unsynced) {
            if (options.fsync())
                a.force();
            else
                a.writeOut();
        }
        unsynced.clear();
        synced = appended;
        index.commit(ScoreIndex.address(current.number(), current.end()), counters());
        sinceCommit = 0;
        commitFailure = null;
    }

    @Override
    public byte[] get(Score score, BlockType type) throws IOException {
        return verified(score, type, SPECULATIVE_READ).clone();
    }

    @Override
    public byte[] getShared(Score score, BlockType type) throws IOException {
        return verified(score, type, SPECULATIVE_READ);
    }

    /** Copies straight from the cache: one copy instead of get's two. */
    @Override
    public void read(Score score, BlockType type, byte[] dst, int off, int size)
        throws IOException {
        if (score.isZero() || type.isPointer()) {
            BlockStore.extendInto(score, type, verified(score, type, size), dst, off, size);
            return;
        }
        SlabCache.Entry e = data.pinned(score);
        if (e == null) e = new ColdRun().read(score, type, size, 1);
        if (e == null) {
            BlockStore.extendInto(score, type, load(score, type, size), dst, off, size);
            return;
        }
        try {
            checkFits(score, type, e.length(), size);
            SlabCache.copy(e, dst, off);
        } finally {
            SlabCache.unpin(e);
        }
        ZeroTruncation.extend(type, dst, off, e.length(), size);
    }

    @Override
    public void read(Score score, BlockType type, ByteBuffer dst, int size) throws IOException {
        readRun(new Score[]{score}, 1, type, size, Gather.into(dst));
    }

    @Override
    public void readRun(Score[] scores, int count, BlockType type, ByteBuffer dst, int size)
        throws IOException {
        readRun(scores, count, type, size, Gather.into(dst));
    }

    /**
     * Looks every block up in the cache before touching any bytes: each lookup is a chain of
     * dependent loads that misses the CPU cache (table slot, node, key), and with nothing in
     * between the chains of neighbouring blocks overlap. A block cached right after the one
     * before it, as blocks first read in order are, is found through that one's entry instead
     * ({@link SlabCache#pinnedAfter}); such neighbours go out as one slice under one pin.
     */
    @Override
    public void readRun(Score[] scores, int count, BlockType type, int size, Gather out)
        throws IOException {
        if (type.isPointer()) {
            BlockStore.super.readRun(scores, count, type, size, out);
            return;
        }
        SlabCache.Entry[] found = new SlabCache.Entry[count]; // each pinned until handed on
        for (int i = 0; i < count; i++) {
            Score s = scores[i];
            if (s.isZero()) continue;
            found[i] = i > 0 && found[i - 1] != null
                ? data.pinnedAfter(found[i - 1], s)
                : data.pinned(s);
        }
        Run run = new Run(out);
        ColdRun cold = null;
        int i = 0;
        try {
            for (; i < count; i++) {
                Score s = scores[i];
                if (s.isZero()) {
                    run.end();
                    out.zeros(size);
                    continue;
                }
                SlabCache.Entry e = found[i];
                found[i] = null;
                if (e == null) {
                    if (cold == null) cold = new ColdRun();
                    e = cold.read(s, type, size, count - i);
                }
                if (e == null) { // too big to cache
                    run.end();
                    byte[] b = load(s, type, size);
                    checkFits(s, type, b.length, size);
                    out.fill(b.length).put(b);
                    out.zeros(size - b.length);
                    continue;
                }
                run.add(e, s, type, size);
            }
            run.end();
        } finally {
            run.abandon();
            for (; i < count; i++)
                if (found[i] != null) SlabCache.unpin(found[i]);
        }
    }

    /** Cached blocks adjacent in one slab, gathered as one slice under the first one's pin. */
    private static final class Run {
        private final Gather out;
        private SlabCache.Entry first;
        private SlabCache.Entry last;
        private int bytes;

        Run(Gather out) {
            this.out = out;
        }

        /** Adds {@code e}, pinned; the run takes the pin over. */
        void add(SlabCache.Entry e, Score s, BlockType type, int size) throws IOException {
            if (e.length() > size) {
                SlabCache.unpin(e);
                checkFits(s, type, e.length(), size);
            }
            if (first != null && e.follows(last)) {
                SlabCache.unpin(e); // first's pin holds the slab
                bytes += e.length();
            } else {
                end();
                first = e;
                bytes = e.length();
            }
            last = e;
            if (e.length() < size) { // its zero tail ends the run
                end();
                out.zeros(size - e.length());
            }
        }

        /** Hands the run and its pin to the gatherer. */
        void end() {
            if (first == null) return;
            SlabCache.Entry e = first;
            first = null;
            out.share(SlabCache.slice(e, bytes), SlabCache.unpinner(e));
        }

        /** Unpins a run not handed on (after a failure). */
        void abandon() {
            if (first != null) SlabCache.unpin(first);
            first = null;
        }
    }

    private static void checkFits(Score score, BlockType type, int length, int size)
        throws CorruptBlockException {
        if (length > size) {
            throw new CorruptBlockException("block " + score + " of type " + type + " holds "
                + length + " bytes where at most " + size + " are expected");
        }
    }

    /**
     * The block's bytes from the cache, or read, verified and then cached. The array is shared:
     * never hand it out.
     */
    private byte[] verified(Score score, BlockType type, int sizeHint) throws IOException {
        if (score.isZero())
            return NO_BYTES;
        byte[] cached = cache.get(score);
        if (cached != null)
            return cached;
        byte[] block = load(score, type, sizeHint);
        cache.put(score, block);
        return block;
    }

    /**
     * @param sizeHint the block's expected size: the first pread asks for its header and that
     *     many bytes, since a record stores at most its block's bytes. Reading a fixed 16 KiB
     *     for every 4 KiB block copied four times the data out of the page cache.
     */
    private byte[] load(Score score, BlockType type, int sizeHint) throws IOException {
        long addr = addressOf(score, type);
        Arena arena = arenaOf(addr, score);
        long pos = ScoreIndex.offsetOf(addr);
        // One pread for header and payload: most blocks are at most 16 KiB.
        ByteBuffer first = READ_BUFFER.get().clear();
        first.limit(ArenaRecord.HEADER_SIZE + Math.max(0, Math.min(sizeHint, SPECULATIVE_READ)));
        arena.read(first, pos);
        first.flip();
        if (FrameRecord.startsAt(first, 0)) {
            FrameRecord f = frameReader.header(arena, pos, first);
            int slot = ScoreIndex.slotOf(addr);
            checkSlot(arena, pos, f, slot, score);
            byte[] block = new byte[f.blockLength(slot)];
            frameReader.copyBlock(arena, pos, f, slot, first, ByteBuffer.wrap(block), true);
            checkScore(arena, pos, score, slot, ByteBuffer.wrap(block));
            return block;
        }
        ArenaRecord r = indexedHeader(first, arena, pos, score, new String[1]);
        if (first.remaining() >= r.stored()) {
            byte[] raw = new byte[r.stored()];
            first.get(raw);
            return decode(arena, pos, r, raw);
        }
        return readPayload(arena, pos, r);
    }

    private static void checkSlot(Arena arena, long pos, FrameRecord f, int slot, Score score)
        throws CorruptBlockException {
        if (slot >= f.count() || !f.mayHold(slot, score)) {
            throw new CorruptBlockException(arena.path() + " offset " + pos + ": frame slot "
                + slot + (slot >= f.count()
                    ? " does not exist"
                    : " holds a score starting " + f.prefixHex(slot))
                + " but the index says " + score);
        }
    }

    /** Per reader thread, for payloads past the first pread: grown as needed, never shrunk. */
    private static final ThreadLocal<ByteBuffer[]> LARGE_READ_BUFFER = ThreadLocal
        .withInitial(() -> new ByteBuffer[1]);

    /** This thread's direct buffer of at least {@code n} bytes, position 0 and limit n. */
    private static ByteBuffer largeReadBuffer(int n) {
        ByteBuffer[] holder = LARGE_READ_BUFFER.get();
        if (holder[0] == null || holder[0].capacity() < n) {
            int capacity = Integer.highestOneBit(n);
            holder[0] = ByteBuffer.allocateDirect(capacity < n ? capacity << 1 : capacity);
        }
        return holder[0].clear().limit(n);
    }

    private long addressOf(Score score, BlockType type) throws MissingBlockException {
        long addr = index.get(score);
        if (addr < 0)
            throw new MissingBlockException(score, type);
        return addr;
    }

    private Arena arenaOf(long addr, Score score) throws CorruptStoreException {
        Arena[] as = arenas;
        int a = ScoreIndex.arenaOf(addr);
        if (a >= as.length) {
            throw new CorruptStoreException(index.file() + ": block " + score
                + " indexed in arena " + a + ", which does not exist");
        }
        return as[a];
    }

    /** Parses the header at {@code src}'s position, where the index says {@code score} is. */
    private static ArenaRecord indexedHeader(ByteBuffer src, Arena arena, long pos, Score score,
        String[] why) throws CorruptBlockException {
        ArenaRecord r = ArenaRecord.readHeader(src, why);
        if (r == null) {
            throw new CorruptBlockException(arena.path() + " offset " + pos + ": " + why[0]
                + " (reading block " + score + ")");
        }
        if (!r.score().equals(score)) {
            throw new CorruptBlockException(arena.path() + " offset " + pos + ": record holds "
                + r.score() + " but the index says " + score);
        }
        return r;
    }

    /** Longest single pread of a cold run: 64 records of 4 KiB blocks, and some. */
    private static final int COLD_SPAN = 512 << 10;
    /** Records a cold run looks past for its next block before it asks the index. */
    private static final int MAX_SKIPPED = 16;

    /**
     * Reads the blocks of one run that the cache misses, decompressing and verifying each one
     * straight into room reserved in the slab cache, with no array in between.
     *
     * <p>Blocks written in order lie one after another in an arena, so one pread fetches the
     * records of a whole run, and each block is first looked for where the record before it
     * ended, or in the frame the block before came from. A block found there is taken only if
     * the record names it and its bytes hash to that score, which makes it the block wherever it
     * lies; anything else (another block, padding, damage) sends the lookup to the index. An
     * index lookup and a pread cost about as much as the block's SHA-1 each. A frame is
     * decompressed once and its blocks verified as they are asked for. Not thread-safe: one per
     * call.
     */
    private final class ColdRun {
        private final String[] why = new String[1];
        private Arena arena; // whose bytes span holds, from its offset base
        private long base;
        private ByteBuffer span;
        private long next = -1; // where the record after the last one taken would start
        private FrameRecord frame; // the frame the last block came from
        private Arena frameArena;
        private long framePos;
        private int frameNext; // the slot after the last one taken

        /**
         * @param blocksLeft how many blocks the run still has, this one included: how far to
         *     read ahead
         * @return the block's entry, its slab pinned; or null, having read nothing, if blocks
         *     of {@code size} bytes are not cached
         */
        SlabCache.Entry read(Score score, BlockType type, int size, int blocksLeft)
            throws IOException {
            if (!data.fits(size)) return null;
            if (next >= 0) {
                SlabCache.Entry e = neighbour(score, size);
                if (e != null) return e;
            }
            long addr = addressOf(score, type);
            Arena holder = arenaOf(addr, score);
            long pos = ScoreIndex.offsetOf(addr);
            // a record stores at most its block's bytes
            int most = ArenaRecord.HEADER_SIZE + size;
            int want = (int) Math.min((long) most * blocksLeft, Math.max(COLD_SPAN, most));
            if (holder != arena || pos < base || pos + most > base + span.limit())
                fill(holder, pos, want);
            ByteBuffer at = span.duplicate().position((int) (pos - base));
            if (FrameRecord.startsAt(at, at.position())) {
                FrameRecord f = frameReader.header(holder, pos, at);
                int slot = ScoreIndex.slotOf(addr);
                checkSlot(holder, pos, f, slot, score);
                checkFits(score, type, f.blockLength(slot), size);
                frame = f;
                frameArena = holder;
                framePos = pos;
                return take(score, slot, blocksLeft == 1);
            }
            ArenaRecord r = indexedHeader(at, arena, pos, score, why);
            checkFits(score, type, r.length(), size);
            if (at.remaining() < r.stored()) {
                throw new CorruptBlockException(where(arena, pos, r) + " is truncated ("
                    + at.remaining() + " of " + r.stored() + " bytes)");
            }
            SlabCache.Entry e = decodeInto(arena, pos, r, at);
            frame = null;
            next = pos + r.totalSize();
            return e;
        }

        /**
         * Caches and verifies block {@code slot} of the current frame, which should be
         * {@code score}.
         *
         * @param alone whether the block is read with no run around it
         */
        private SlabCache.Entry take(Score score, int slot, boolean alone) throws IOException {
            SlabCache.Entry e = data.reserve(score, frame.blockLength(slot));
            boolean done = false;
            try {
                ByteBuffer room = SlabCache.room(e);
                frameReader.copyBlock(frameArena, framePos, frame, slot, spanAt(frameArena,
                    framePos), room, alone);
                checkScore(frameArena, framePos, score, slot, room);
                done = true;
                frameNext = slot + 1;
                next = framePos + frame.totalSize();
                return data.publish(e);
            } finally {
                if (!done) SlabCache.unpin(e);
            }
        }

        /** The span's bytes from {@code pos} on, if it holds {@code a}'s bytes there. */
        private ByteBuffer spanAt(Arena a, long pos) {
            if (a != arena || span == null || pos < base || pos >= base + span.limit())
                return null;
            return span.duplicate().position((int) (pos - base));
        }

        /**
         * The block from the current frame's next slots, or from the record at {@link #next}
         * or one of the few after it, if one of them is that block; or null. Import threads
         * append their batches side by side, so the next block of an image is often a record or
         * two further on.
         */
        private SlabCache.Entry neighbour(Score score, int size) {
            long pos = next;
            next = -1;
            if (frame != null) {
                int slot = frame.slotOf(score, frameNext);
                if (slot >= 0 && slot - frameNext <= MAX_SKIPPED)
                    return frame.blockLength(slot) > size ? null : takeOrNull(score, slot);
            }
            for (int skipped = 0; skipped <= MAX_SKIPPED; skipped++) {
                if (pos < base || pos + ArenaRecord.HEADER_SIZE > base + span.limit()) return null;
                ByteBuffer at = span.duplicate().position((int) (pos - base));
                if (FrameRecord.startsAt(at, at.position())) {
                    int head = FrameRecord.headerSizeAt(at, at.position());
                    if (head < 0 || at.remaining() < head) return null;
                    FrameRecord f = FrameRecord.read(at.duplicate(), why);
                    if (f == null) return null;
                    int slot = f.slotOf(score, 0);
                    if (slot < 0) {
                        pos += f.totalSize();
                        continue;
                    }
                    if (f.blockLength(slot) > size) return null;
                    frame = f;
                    frameArena = arena;
                    framePos = pos;
                    return takeOrNull(score, slot);
                }
                ArenaRecord r = ArenaRecord.readHeader(at, why);
                if (r == null) return null;
                if (!r.score().equals(score)) {
                    pos += r.totalSize();
                    continue;
                }
                if (r.length() > size || at.remaining() < r.stored()) return null;
                try {
                    SlabCache.Entry e = decodeInto(arena, pos, r, at);
                    frame = null;
                    next = pos + r.totalSize();
                    return e;
                } catch (CorruptBlockException e) {
                    return null; // the index may know a good copy; if not, it reports this one
                }
            }
            return null;
        }

        private SlabCache.Entry takeOrNull(Score score, int slot) {
            try {
                return take(score, slot, false);
            } catch (IOException e) {
                frame = null;
                return null; // the index may know a good copy; if not, it reports this one
            }
        }

        private void fill(Arena a, long pos, int n) throws IOException {
            span = largeReadBuffer(n);
            a.read(span, pos);
            span.flip();
            arena = a;
            base = pos;
        }
    }

    /**
     * Decompresses (or copies) and verifies a record's payload, {@code payload} from its
     * position, into room reserved in the slab cache.
     *
     * @return the block's entry, published, its slab pinned
     */
    private SlabCache.Entry decodeInto(Arena arena, long pos, ArenaRecord r, ByteBuffer payload)
        throws CorruptBlockException {
        SlabCache.Entry e = data.reserve(r.score(), r.length());
        boolean done = false;
        try {
            ByteBuffer room = SlabCache.room(e);
            if (r.compression() == ArenaRecord.COMPRESSION_LZ4) {
                decompress(arena, pos, r, payload, room);
            } else {
                room.put(0, payload, payload.position(), r.stored());
            }
            checkScore(arena, pos, r, room);
            done = true;
            return data.publish(e);
        } finally {
            if (!done) SlabCache.unpin(e);
        }
    }

    /** Reads, decompresses and verifies a record's block. */
    private byte[] readPayload(Arena arena, long pos, ArenaRecord r) throws IOException {
        byte[] raw = new byte[r.stored()];
        readPayloadInto(arena, pos, r, ByteBuffer.wrap(raw));
        return decode(arena, pos, r, raw);
    }

    /** Reads a record's whole payload into {@code dst}, which has room for exactly that. */
    private static void readPayloadInto(Arena arena, long pos, ArenaRecord r, ByteBuffer dst)
        throws IOException {
        arena.read(dst, pos + ArenaRecord.HEADER_SIZE);
        if (dst.hasRemaining()) {
            throw new CorruptBlockException(where(arena, pos, r) + " is truncated ("
                + dst.position() + " of " + r.stored() + " bytes)");
        }
    }

    /** Decompresses and verifies a record's payload. */
    private byte[] decode(Arena arena, long pos, ArenaRecord r, byte[] raw)
        throws CorruptBlockException {
        byte[] block = raw;
        if (r.compression() == ArenaRecord.COMPRESSION_LZ4) {
            block = new byte[r.length()];
            decompress(arena, pos, r, ByteBuffer.wrap(raw), ByteBuffer.wrap(block));
        }
        checkScore(arena, pos, r, ByteBuffer.wrap(block));
        return block;
    }

    /**
     * Decompresses the record's payload, {@code src} from its position, into {@code dst} from
     * 0: exactly the block's length, or the record is corrupt.
     */
    private void decompress(Arena arena, long pos, ArenaRecord r, ByteBuffer src, ByteBuffer dst)
        throws CorruptBlockException {
        int got;
        try {
            got = decompressor.decompress(src, src.position(), r.stored(), dst, 0, r.length());
        } catch (net.jpountz.lz4.LZ4Exception e) {
            throw new CorruptBlockException(where(arena, pos, r) + " does not decompress: "
                + e.getMessage());
        }
        if (got != r.length()) {
            throw new CorruptBlockException(where(arena, pos, r) + " decompresses to " + got
                + " bytes where its header says " + r.length());
        }
    }

    /** Checks that {@code block} (position to limit) hashes to the score of a frame's block. */
    private static void checkScore(Arena arena, long pos, Score score, int slot,
        ByteBuffer block) throws CorruptBlockException {
        Score actual = Score.hash(block);
        if (!actual.equals(score)) {
            throw new CorruptBlockException(arena.path() + " offset " + pos + ": block " + score
                + " (frame slot " + slot + ") does not match its score (stored bytes hash to "
                + actual + ")");
        }
    }

    /** Checks that {@code block} (position to limit) hashes to the record's score. */
    private static void checkScore(Arena arena, long pos, ArenaRecord r, ByteBuffer block)
        throws CorruptBlockException {
        Score actual = Score.hash(block);
        if (!actual.equals(r.score())) {
            throw new CorruptBlockException(where(arena, pos, r)
                + " does not match its score (stored bytes hash to " + actual + ")");
        }
    }

    // Only on the error paths: formatting it for every block cost more than its SHA-1.
    private static String where(Arena arena, long pos, ArenaRecord r) {
        return arena.path() + " offset " + pos + ": block " + r.score();
    }

    @Override
    public boolean has(Score score) {
        return score.isZero() || filter.mightContain(score) && index.get(score) >= 0;
    }

    @Override
    public void sync() throws IOException {
        long target;
        synchronized (appendLock) {
            ensureOpen();
            target = appended;
        }
        synchronized (syncLock) {
            List<Arena> toForce;
            long upTo;
            synchronized (appendLock) {
                if (synced >= target)
                    return;
                upTo = appended;
                toForce = new ArrayList<>(unsynced);
                unsynced.clear();
            }
            for (Arena a : toForce) {
                if (options.fsync())
                    a.force();
                else
                    a.writeOut();
            }
            synchronized (appendLock) {
                synced = Math.max(synced, upTo);
            }
        }
    }

    @Override
    public StoreStats stats() {
        return new StoreStats(logical.get(), unique.get(), stored.get(), blocks.get(), puts.get());
    }

    public Path directory() {
        return dir;
    }

    /** Number of arena files. */
    public int arenaCount() {
        return arenas.length;
    }

    /** Bytes of heap the in-memory filter takes (the index itself is off-heap). */
    public long filterBytes() {
        return filter.sizeInBytes();
    }

    /**
     * Reads and verifies every record of every arena, and checks the index points at it.
     *
     * @param progress told the bytes scanned so far, now and then
     * @return one line per problem, each naming the file and offset; empty when all is well
     */
    public List<String> verify(LongConsumer progress) throws IOException {
        List<String> problems = new ArrayList<>();
        ByteBuffer header = ByteBuffer.allocate(ArenaRecord.HEADER_SIZE);
        long scanned = 0;
        for (Arena arena : arenas) {
            long pos = Arena.HEADER_SIZE;
            long end = arena.end();
            while (pos < end) {
                Scanned r = scan(arena, pos, header);
                if (r.scores == null || pos + r.size > end) {
                    problems.add(r.problem + "; the rest of this arena is not checked");
                    break;
                }
                if (r.problem != null)
                    problems.add(r.problem);
                for (Score score : r.scores) {
                    if (score != null && index.get(score) < 0) {
                        problems.add(arena.path() + " offset " + pos + ": block " + score
                            + " is not in the index");
                    }
                }
                pos += r.size;
                scanned += r.size;
                if (progress != null)
                    progress.accept(scanned);
            }
        }
        return problems;
    }

    private void ensureOpen() throws IOException {
        if (closed)
            throw new IOException("store " + dir + " is closed");
    }

    @Override
    public void close() throws IOException {
        synchronized (syncLock) {
            synchronized (appendLock) {
                if (closed)
                    return;
                closed = true;
                try {
                    commitIndex();
                    saveFilter();
                } finally {
                    committer.shutdown();
                    writeback.shutdown();
                    try {
                        writeback.awaitTermination(1, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    index.close();
                    for (Arena a : arenas)
                        a.close();
                    lock.release();
                    lockChannel.close();
                }
            }
        }
    }
}
