package io.vdisk.venti.bench;

import io.vdisk.venti.BlockType;
import io.vdisk.venti.DiskBlockStore;
import io.vdisk.venti.Gather;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Hot paths of the on-disk store, 8 KiB blocks: unique ingest, duplicate ingest, and verified
 * random reads from a warm store. Run with {@code venti/bench/jmh.sh}; one op = one block.
 */
public class StoreBenchmark {
    static final int BLOCK = 8192;

    /** A fresh store per trial; blocks made unique by a counter in their first bytes. */
    @State(Scope.Benchmark)
    public static class Ingest {
        Path dir;
        DiskBlockStore store;
        final AtomicLong counter = new AtomicLong();
        byte[] template;
        Score[] dupScores;
        byte[][] dups;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/tmp")),
                "ingest");
            store = DiskBlockStore.open(dir);
            template = new byte[BLOCK];
            // Half text-like (compresses), half random: typical disk contents.
            Random r = new Random(1);
            for (int i = 0; i < BLOCK; i++) {
                template[i] = i < BLOCK / 2 ? (byte) ('a' + r.nextInt(16)) : (byte) r.nextInt();
            }
            dups = new byte[1024][];
            dupScores = new Score[dups.length];
            for (int i = 0; i < dups.length; i++) {
                dups[i] = template.clone();
                dups[i][0] = (byte) i;
                dups[i][1] = (byte) (i >> 8);
                dups[i][2] = 1;
                dupScores[i] = store.put(BlockType.DATA, dups[i]);
            }
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            store.close();
            deleteTree(dir);
        }
    }

    @State(Scope.Thread)
    public static class Buffer {
        byte[] block;

        @Setup(Level.Trial)
        public void make(Ingest ingest) {
            block = ingest.template.clone();
        }
    }

    @Benchmark
    public Score uniqueIngest(Ingest s, Buffer b) throws IOException {
        long n = s.counter.incrementAndGet();
        for (int i = 0; i < 8; i++)
            b.block[8 + i] = (byte) (n >>> (8 * i));
        return s.store.put(BlockType.DATA, b.block);
    }

    /**
     * A new 256 KiB run of 4 KiB blocks, half text and half random each, put at once as an
     * import batch is: stored as one zstd frame. One op = one run.
     */
    @Benchmark
    public Score runIngest(Ingest s, RunTemplate t) throws IOException {
        long n = s.counter.incrementAndGet();
        for (int i = 0; i < CachedRuns.RUN; i++) {
            int at = i * CachedRuns.SMALL + 8;
            for (int k = 0; k < 8; k++)
                t.run[at + k] = (byte) (n >>> (8 * k));
        }
        s.store.putRun(BlockType.DATA, t.run, 0, t.run.length, CachedRuns.SMALL, t.scores, 0);
        return t.scores[0];
    }

    @State(Scope.Thread)
    public static class RunTemplate {
        final byte[] run = CachedRuns.mixedRun(new Random(2), 0);
        final Score[] scores = new Score[CachedRuns.RUN];
    }

    @Benchmark
    public Score duplicateIngest(Ingest s) throws IOException {
        int i = ThreadLocalRandom.current().nextInt(s.dups.length);
        return s.store.put(BlockType.DATA, s.dups[i]);
    }

    /**
     * A warm store of {@code sizeMiB} of unique blocks, kept between runs in bench.dir. With
     * {@code cache=off} every read goes to the arena, decompresses and hashes; with {@code on}
     * the verified-block cache (a quarter of the heap) serves the blocks read before.
     */
    @State(Scope.Benchmark)
    public static class Warm {
        @Param("1024")
        public int sizeMiB;
        @Param({"off", "on"})
        public String cache;
        DiskBlockStore store;
        Score[] scores;

        @Setup(Level.Trial)
        public void open() throws IOException {
            Path dir = Path.of(System.getProperty("bench.dir", "/tmp"), "warm-" + sizeMiB);
            int n = sizeMiB * (1024 * 1024 / BLOCK);
            scores = new Score[n];
            DiskBlockStore.Options o = DiskBlockStore.Options.defaults();
            store = DiskBlockStore.open(dir, cache.equals("on") ? o : o.withCacheBytes(0));
            byte[] b = new byte[BLOCK];
            Random r = new Random(7);
            r.nextBytes(b);
            for (int i = 0; i < n; i++) {
                b[0] = (byte) i;
                b[1] = (byte) (i >> 8);
                b[2] = (byte) (i >> 16);
                b[3] = (byte) (i >> 24);
                b[BLOCK - 1] = 1;
                scores[i] = store.has(Score.hash(b, 0, BLOCK))
                    ? Score.hash(b, 0, BLOCK)
                    : store.put(BlockType.DATA, b);
            }
            store.sync();
            // warm means in the page cache: read every record once (the kernel may have
            // reclaimed the arenas since they were written)
            store.verify(null);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            store.close();
        }
    }

    @Benchmark
    public byte[] randomRead(Warm w) throws IOException {
        Score s = w.scores[ThreadLocalRandom.current().nextInt(w.scores.length)];
        return w.store.get(s, BlockType.DATA);
    }

    /**
     * 256 KiB runs (64 blocks of 4 KiB, as an nbdcopy request reads) from a store whose cache
     * holds them all, blocks cached in order. {@link #runCopied} copies them into a direct
     * buffer, as 9P does; {@link #runGathered} takes them as shared slices, as an NBD reply does.
     * One op = one run.
     */
    @State(Scope.Benchmark)
    public static class CachedRuns {
        static final int SMALL = 4096;
        static final int RUN = 64;
        /** How the runs were put: block by block (a record each) or at once (a zstd frame). */
        @Param({"single", "frames"})
        public String stored;
        Path dir;
        DiskBlockStore store;
        Score[][] runs;

        /** A run of 4 KiB blocks, each half text and half random, numbered from {@code n}. */
        static byte[] mixedRun(Random r, int n) {
            byte[] run = new byte[RUN * SMALL];
            for (int i = 0; i < run.length; i++)
                run[i] = i % SMALL < SMALL / 2 ? (byte) ('a' + r.nextInt(16)) : (byte) r.nextInt();
            for (int i = 0; i < RUN; i++, n++) {
                run[i * SMALL] = (byte) n;
                run[i * SMALL + 1] = (byte) (n >> 8);
                run[i * SMALL + 2] = (byte) (n >> 16);
            }
            return run;
        }

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/tmp")),
                "runs");
            store = DiskBlockStore.open(dir);
            runs = new Score[(256 << 20) / (RUN * SMALL)][RUN];
            Random r = new Random(8);
            int n = 0;
            for (Score[] run : runs) {
                byte[] b = mixedRun(r, n);
                n += RUN;
                if (stored.equals("frames")) {
                    store.putRun(BlockType.DATA, b, 0, b.length, SMALL, run, 0);
                } else {
                    for (int i = 0; i < RUN; i++)
                        run[i] = store.put(BlockType.DATA, Arrays.copyOfRange(b, i * SMALL,
                            (i + 1) * SMALL));
                }
            }
            ByteBuffer dst = ByteBuffer.allocateDirect(RUN * SMALL);
            for (Score[] run : runs)
                store.readRun(run, RUN, BlockType.DATA, dst.clear(), SMALL);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            store.close();
            deleteTree(dir);
        }
    }

    @State(Scope.Thread)
    public static class RunBuffer {
        final ByteBuffer dst = ByteBuffer.allocateDirect(CachedRuns.RUN * CachedRuns.SMALL);
    }

    @Benchmark
    public int runCopied(CachedRuns c, RunBuffer b) throws IOException {
        Score[] run = c.runs[ThreadLocalRandom.current().nextInt(c.runs.length)];
        c.store.readRun(run, CachedRuns.RUN, BlockType.DATA, b.dst.clear(), CachedRuns.SMALL);
        return b.dst.position();
    }

    @Benchmark
    public int runGathered(CachedRuns c) throws IOException {
        Score[] run = c.runs[ThreadLocalRandom.current().nextInt(c.runs.length)];
        int[] pieces = new int[1];
        c.store.readRun(run, CachedRuns.RUN, BlockType.DATA, CachedRuns.SMALL, new Gather() {
            @Override
            public void share(ByteBuffer piece, Runnable release) {
                pieces[0]++;
                release.run(); // as the socket would, once it sent the piece
            }

            @Override
            public ByteBuffer fill(int n) {
                throw new AssertionError("every block is cached");
            }
        });
        return pieces[0];
    }

    /**
     * The same 256 KiB runs read in order from a store whose cache holds a sixteenth of them, so
     * every run misses: the cold path an image's first read takes (index, pread, hash, cache).
     * The arenas stay in the page cache. One op = one run.
     */
    @State(Scope.Benchmark)
    public static class ColdRuns {
        @Param({"single", "frames"})
        public String stored;
        CachedRuns blocks = new CachedRuns();
        final AtomicLong next = new AtomicLong();

        @Setup(Level.Trial)
        public void open() throws IOException {
            blocks.stored = stored;
            blocks.open();
            Path dir = blocks.dir;
            blocks.store.close();
            blocks.store = DiskBlockStore.open(dir,
                DiskBlockStore.Options.defaults().withCacheBytes(16 << 20));
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            blocks.close();
        }
    }

    @Benchmark
    public int coldRun(ColdRuns c, RunBuffer b) throws IOException {
        Score[][] runs = c.blocks.runs;
        Score[] run = runs[(int) (c.next.getAndIncrement() % runs.length)];
        c.blocks.store.readRun(run, CachedRuns.RUN, BlockType.DATA, b.dst.clear(),
            CachedRuns.SMALL);
        return b.dst.position();
    }

    static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
