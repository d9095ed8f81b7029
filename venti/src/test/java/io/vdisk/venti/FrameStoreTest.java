package io.vdisk.venti;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.venti.internal.Arena;
import io.vdisk.venti.internal.ArenaRecord;
import io.vdisk.venti.internal.FrameRecord;
import io.vdisk.venti.internal.ScoreIndex;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs of blocks stored together in {@link FrameRecord}s: every read path, reopen, damage. */
class FrameStoreTest {
    private static final int SIZE = 4096;

    @TempDir
    Path tmp;

    /** {@code n} distinct blocks, compressible or random by turns. */
    private static byte[] run(Random rnd, int n) {
        byte[] b = new byte[n * SIZE];
        for (int i = 0; i < n; i++) {
            byte[] block = i % 2 == 0 ? TestStores.mixedBytes(rnd, SIZE) : new byte[SIZE];
            if (i % 2 != 0) rnd.nextBytes(block);
            block[0] = (byte) i;
            block[SIZE - 1] = 1; // nothing to zero-truncate
            System.arraycopy(block, 0, b, i * SIZE, SIZE);
        }
        return b;
    }

    private static byte[] block(byte[] run, int i) {
        return Arrays.copyOfRange(run, i * SIZE, (i + 1) * SIZE);
    }

    private static Score[] putRun(DiskBlockStore s, byte[] run) throws Exception {
        Score[] scores = new Score[run.length / SIZE];
        s.putRun(BlockType.DATA, run, 0, run.length, SIZE, scores, 0);
        return scores;
    }

    /** Every block of the run back, through get, read, and cold and warm readRuns. */
    private static void assertReadsBack(DiskBlockStore s, byte[] run, Score[] scores)
        throws Exception {
        int n = scores.length;
        for (int pass = 0; pass < 2; pass++) { // cold, then cached
            ByteBuffer dst = ByteBuffer.allocate(n * SIZE);
            s.readRun(scores, n, BlockType.DATA, dst, SIZE);
            assertArrayEquals(run, dst.array());
        }
        for (int i = n - 1; i >= 0; i -= 7) {
            assertArrayEquals(block(run, i), s.get(scores[i], BlockType.DATA));
            byte[] one = new byte[SIZE];
            s.read(scores[i], BlockType.DATA, one, 0, SIZE);
            assertArrayEquals(block(run, i), one);
        }
    }

    @Test
    void aRunIsStoredInFramesAndReadsBackOnEveryPathAfterReopenAndRebuild() throws Exception {
        Path dir = tmp.resolve("s");
        byte[] run = run(new Random(1), 150); // 600 KiB: three frames
        Score[] scores;
        StoreStats stats;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            scores = putRun(s, run);
            stats = s.stats();
            assertEquals(150, stats.blocks());
            // half the blocks are random; the other half compress
            assertTrue(stats.storedBytes() < run.length * 7 / 8, "compressed: " + stats);
            assertReadsBack(s, run, scores);
        }
        Path arena = dir.resolve(Arena.fileName(0));
        try (RandomAccessFile f = new RandomAccessFile(arena.toFile(), "r")) {
            f.seek(Arena.HEADER_SIZE);
            assertEquals(FrameRecord.MAGIC, f.readInt(), "the first record is a frame");
        }
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            assertReadsBack(s, run, scores);
            assertEquals(List.of(), s.verify(null));
        }
        ScoreIndex.delete(dir);
        Files.deleteIfExists(dir.resolve("filter.bin"));
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            assertEquals(stats.blocks(), s.stats().blocks());
            assertEquals(stats.uniqueBytes(), s.stats().uniqueBytes());
            assertEquals(stats.storedBytes(), s.stats().storedBytes());
            assertReadsBack(s, run, scores);
        }
    }

    /**
     * Blocks read one at a time from a cold store, in an order that jumps between frames: the
     * first block of a frame comes from decompressing only the frame's start, a second one
     * from the whole frame; both paths must give every block back.
     */
    @Test
    void loneBlocksReadInAnyOrderFromColdFrames() throws Exception {
        Path dir = tmp.resolve("s");
        byte[] run = run(new Random(6), 200);
        Score[] scores;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            scores = putRun(s, run);
        }
        int[] order = new int[200];
        for (int k = 0; k < 200; k++)
            order[k] = (k * 67 + 13) % 200; // 67 is prime to 200: every block once, scattered
        for (boolean viaGet : new boolean[]{true, false}) {
            try (DiskBlockStore s = DiskBlockStore.open(dir)) {
                for (int i : order) {
                    byte[] got = new byte[SIZE];
                    if (viaGet) {
                        got = s.get(scores[i], BlockType.DATA);
                    } else {
                        s.readRun(new Score[]{scores[i]}, 1, BlockType.DATA, ByteBuffer.wrap(got),
                            SIZE);
                    }
                    assertArrayEquals(block(run, i), got, "block " + i);
                }
            }
        }
    }

    @Test
    void aBlockRepeatedInARunOrStoredBeforeIsKeptOnce() throws Exception {
        Random rnd = new Random(2);
        byte[] first = run(rnd, 10);
        byte[] second = run(rnd, 40);
        System.arraycopy(second, 3 * SIZE, second, 30 * SIZE, SIZE); // a repeat in the run
        System.arraycopy(first, 5 * SIZE, second, 31 * SIZE, SIZE); // a block stored before
        Path dir = tmp.resolve("s");
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            putRun(s, first);
            Score[] scores = putRun(s, second);
            assertEquals(10 + 38, s.stats().blocks());
            assertEquals((10 + 38) * SIZE, s.stats().uniqueBytes());
            assertEquals(scores[3], scores[30]);
            assertReadsBack(s, second, scores);
        }
        // the bytes too: the two frames hold 10 and 38 blocks, not 39
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(Arena.fileName(0)).toFile(),
            "r")) {
            long at = Arena.HEADER_SIZE;
            for (int blocks : new int[]{10, 38}) {
                f.seek(at + FrameRecord.COUNT_OFFSET);
                assertEquals(blocks, f.readUnsignedShort());
                f.seek(at + FrameRecord.STORED_OFFSET);
                at += FrameRecord.headerSize(blocks) + f.readInt();
            }
            assertEquals(f.length(), at);
        }
    }

    /**
     * Writers putting runs that share new blocks at the same time: each block is stored once,
     * and every writer's blocks read back when its putRun returns.
     */
    @Test
    void writersRacingOnTheSameNewBlocksStoreEachOnce() throws Exception {
        byte[] pool = run(new Random(5), 64);
        Path dir = tmp.resolve("s");
        int writers = 4;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(
                writers);
            List<java.util.concurrent.Callable<Void>> tasks = new java.util.ArrayList<>();
            for (int w = 0; w < writers; w++) {
                Random rnd = new Random(w);
                tasks.add(() -> {
                    for (int round = 0; round < 8; round++) {
                        byte[] r = new byte[16 * SIZE];
                        for (int i = 0; i < 16; i++)
                            System.arraycopy(pool, (round * 8 + rnd.nextInt(8)) * SIZE, r,
                                i * SIZE, SIZE);
                        start.await(); // every writer puts its run at once
                        Score[] scores = putRun(s, r);
                        for (int i = 0; i < 16; i++)
                            assertArrayEquals(block(r, i), s.get(scores[i], BlockType.DATA));
                    }
                    return null;
                });
            }
            var pool4 = java.util.concurrent.Executors.newFixedThreadPool(writers);
            try {
                for (var f : pool4.invokeAll(tasks))
                    f.get();
            } finally {
                pool4.shutdown();
            }
            s.sync();
            assertEquals(s.stats().blocks(), blocksInArena(dir));
        }
    }

    /**
     * A writer that meets another's claim on a block stores it itself when that writer fails:
     * A claims X and fails before storing it; B, whose run holds X and Y, stores Y, waits for
     * A's claim, and then stores X.
     */
    @Test
    void aBlockWhoseClaimantFailsIsStoredByTheWriterWaitingForIt() throws Exception {
        byte[] xy = run(new Random(9), 2);
        byte[] x = Arrays.copyOf(xy, SIZE);
        CountDownLatch bMetTheClaim = new CountDownLatch(1);
        try (DiskBlockStore s = DiskBlockStore.open(tmp.resolve("s"))) {
            DiskBlockStore.beforeStore = (fresh, n) -> {
                if (Thread.currentThread().getName().equals("A")) {
                    try {
                        bMetTheClaim.await(); // B has seen A's claim on X: A fails now
                    } catch (InterruptedException e) {
                        throw new InterruptedIOException();
                    }
                    throw new IOException("injected failure");
                }
                assertEquals(1, n, "B stores only Y itself at first");
                bMetTheClaim.countDown();
            };
            AtomicReference<Throwable> aFailed = new AtomicReference<>();
            Thread a = new Thread(() -> {
                try {
                    putRun(s, x);
                } catch (Throwable e) {
                    aFailed.set(e);
                }
            }, "A");
            a.start();
            // A holds its claim on X, in the hook
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(1))
                .until(() -> a.getState() == Thread.State.WAITING);
            Score[] scores = putRun(s, xy);
            a.join();
            assertEquals("injected failure", aFailed.get().getMessage());
            assertArrayEquals(x, s.get(scores[0], BlockType.DATA));
            assertArrayEquals(block(xy, 1), s.get(scores[1], BlockType.DATA));
            s.sync();
            assertEquals(2, blocksInArena(tmp.resolve("s")));
        } finally {
            DiskBlockStore.beforeStore = null;
        }
    }

    /** Blocks the first arena holds, copies included: frames' counts plus single records. */
    private static long blocksInArena(Path dir) throws Exception {
        long blocks = 0;
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(Arena.fileName(0)).toFile(),
            "r")) {
            long at = Arena.HEADER_SIZE;
            while (at < f.length()) {
                f.seek(at);
                int magic = f.readInt();
                if (magic == 0)
                    break; // the padding of the last direct write
                if (magic == FrameRecord.MAGIC) {
                    f.seek(at + FrameRecord.COUNT_OFFSET);
                    int n = f.readUnsignedShort();
                    f.seek(at + FrameRecord.STORED_OFFSET);
                    at += FrameRecord.headerSize(n) + f.readInt();
                    blocks += n;
                } else {
                    assertEquals(ArenaRecord.MAGIC, magic, "record at " + at);
                    f.seek(at + ArenaRecord.STORED_OFFSET);
                    at += ArenaRecord.HEADER_SIZE + f.readInt();
                    blocks++;
                }
            }
        }
        return blocks;
    }

    /**
     * Random blocks do not compress, so their frame holds them as they are: a flipped byte in
     * one of them fails that block only, on every read path and in verify, each naming the
     * arena, the frame's offset and the block; its neighbours in the frame still read.
     */
    @Test
    void aDamagedBlockInAFrameIsReportedAndSparesItsNeighbours() throws Exception {
        Path dir = tmp.resolve("s");
        Random rnd = new Random(3);
        byte[] run = new byte[20 * SIZE];
        rnd.nextBytes(run);
        Score[] scores;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            scores = putRun(s, run);
        }
        Path arena = dir.resolve(Arena.fileName(0));
        long frame = Arena.HEADER_SIZE;
        TestStores.flip(arena, frame + FrameRecord.headerSize(20) + 7 * SIZE + 100, 0x10);
        String where = arena + " offset " + frame;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            for (int pass = 0; pass < 2; pass++) { // the frame is then decompressed already
                CorruptBlockException e = assertThrows(CorruptBlockException.class,
                    () -> s.readRun(scores, 20, BlockType.DATA, ByteBuffer.allocate(20 * SIZE),
                        SIZE));
                assertTrue(e.getMessage().contains(where), e.getMessage());
                assertTrue(e.getMessage().contains(scores[7].toHex()), e.getMessage());
                e = assertThrows(CorruptBlockException.class, () -> s.get(scores[7],
                    BlockType.DATA));
                assertTrue(e.getMessage().contains(where), e.getMessage());
            }
            for (int i : new int[]{0, 6, 8, 19}) {
                byte[] one = new byte[SIZE];
                s.read(scores[i], BlockType.DATA, one, 0, SIZE);
                assertArrayEquals(block(run, i), one);
            }
            List<String> problems = s.verify(null);
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains(where), problems.get(0));
            // the table keeps the start of each score; the index, not the arena, has the rest
            assertTrue(problems.get(0).contains(scores[7].toHex().substring(0, 8) + "..."),
                problems.get(0));
            assertTrue(problems.get(0).contains("frame slot 7"), problems.get(0));
        }
    }

    /** A compressed payload or a table with a flipped byte: reported where the frame is. */
    @Test
    void aDamagedPayloadOrTableIsReportedAtItsFrame() throws Exception {
        for (boolean table : new boolean[]{false, true}) {
            Path dir = tmp.resolve("s" + table);
            Random rnd = new Random(4);
            byte[] before = run(rnd, 8);
            byte[] victim = run(rnd, 16);
            Score[] scores;
            long frame;
            try (DiskBlockStore s = DiskBlockStore.open(dir)) {
                putRun(s, before);
            }
            frame = Files.size(dir.resolve(Arena.fileName(0)));
            try (DiskBlockStore s = DiskBlockStore.open(dir)) {
                scores = putRun(s, victim);
                putRun(s, run(rnd, 8)); // a frame after it
            }
            Path arena = dir.resolve(Arena.fileName(0));
            TestStores.flip(arena, frame + (table
                ? FrameRecord.HEADER_SIZE + 30
                : FrameRecord.headerSize(16) + 200), 0x08);
            try (DiskBlockStore s = DiskBlockStore.open(dir)) {
                // a damaged table fails every block; damaged zstd bytes fail those they reach
                int failed = 0;
                for (int i = 0; i < 16; i++) {
                    try {
                        assertArrayEquals(block(victim, i), s.get(scores[i], BlockType.DATA));
                    } catch (CorruptBlockException e) {
                        assertTrue(e.getMessage().contains(arena + " offset " + frame),
                            e.getMessage());
                        failed++;
                    }
                }
                assertTrue(table ? failed == 16 : failed > 0, failed + " blocks failed");
                assertThrows(CorruptBlockException.class, () -> s.readRun(scores, 16,
                    BlockType.DATA, ByteBuffer.allocate(16 * SIZE), SIZE));
                List<String> problems = s.verify(null);
                assertTrue(!problems.isEmpty() && problems.get(0).contains(arena + " offset "
                    + frame), problems.toString());
                if (table) {
                    assertTrue(problems.get(0).contains("table checksum"), problems.get(0));
                }
            }
        }
    }

    /** Block {@code i} of the arena in {@code frames-v1-arena.vda}: text, as its maker wrote. */
    private static byte[] formerBlock(int i) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; sb.length() < SIZE; j++)
            sb.append("block ").append(i).append(" line ").append(j).append('\n');
        return Arrays.copyOf(sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            SIZE);
    }

    /**
     * An arena written before frame tables kept only the start of each score: one frame of 40
     * blocks whose table holds whole scores ("VDFR"), then one block alone. Rebuilt from it, the
     * index finds every block; they read back cold and warm, verify, and sit beside new frames.
     */
    @Test
    void anArenaOfTheFormerFrameFormatRebuildsReadsAndVerifies() throws Exception {
        Path dir = tmp.resolve("s");
        Files.createDirectories(dir);
        Path arena = dir.resolve(Arena.fileName(0));
        try (var in = FrameStoreTest.class.getResourceAsStream("frames-v1-arena.vda")) {
            Files.copy(in, arena);
        }
        try (RandomAccessFile f = new RandomAccessFile(arena.toFile(), "r")) {
            f.seek(Arena.HEADER_SIZE);
            assertEquals(FrameRecord.FULL_SCORE_MAGIC, f.readInt(), "a frame of the former format");
        }
        byte[] run = new byte[40 * SIZE];
        Score[] scores = new Score[41];
        for (int i = 0; i < 41; i++) {
            byte[] b = formerBlock(i);
            scores[i] = Score.hash(b, 0, SIZE);
            if (i < 40) System.arraycopy(b, 0, run, i * SIZE, SIZE);
        }
        Score[] newer;
        byte[] newerRun = run(new Random(8), 20);
        try (DiskBlockStore s = DiskBlockStore.open(dir)) { // no index: rebuilt from the arena
            assertEquals(41, s.stats().blocks());
            assertReadsBack(s, run, Arrays.copyOf(scores, 40));
            assertArrayEquals(formerBlock(40), s.get(scores[40], BlockType.DATA));
            newer = putRun(s, newerRun);
        }
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            assertReadsBack(s, run, Arrays.copyOf(scores, 40));
            assertReadsBack(s, newerRun, newer);
            assertEquals(List.of(), s.verify(null));
        }
        // a flipped byte in the old frame's payload is found and named, as in a new one
        TestStores.flip(arena, Arena.HEADER_SIZE + 24 + 40 * 24 + 100, 0x20);
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            List<String> problems = s.verify(null);
            assertTrue(!problems.isEmpty() && problems.get(0).contains(arena + " offset "
                + Arena.HEADER_SIZE), problems.toString());
        }
    }

    /** A crash in the middle of writing a frame: the next open cuts it, the ones before stay. */
    @Test
    void aTornFrameIsCutOffAtOpen() throws Exception {
        Path dir = tmp.resolve("s");
        Random rnd = new Random(5);
        byte[] kept = run(rnd, 30);
        Score[] keptScores;
        Score[] tornScores;
        long end;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            keptScores = putRun(s, kept);
        }
        Path arena = dir.resolve(Arena.fileName(0));
        end = Files.size(arena);
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            tornScores = putRun(s, run(rnd, 30));
        }
        try (RandomAccessFile f = new RandomAccessFile(arena.toFile(), "rw")) {
            f.setLength(end + (Files.size(arena) - end) / 2);
        }
        ScoreIndex.delete(dir); // the crash came before the index commit
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            assertEquals(end, Files.size(arena), "the torn frame is cut off");
            assertReadsBack(s, kept, keptScores);
            assertThrows(MissingBlockException.class, () -> s.get(tornScores[0],
                BlockType.DATA));
            assertEquals(30, s.stats().blocks());
        }
    }
}
