package io.vdisk.venti;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.venti.internal.ArenaRecord;
import io.vdisk.venti.internal.ScoreFilter;
import io.vdisk.venti.internal.ScoreIndex;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskStoreTest {
    @TempDir
    Path tmp;

    @Test
    void putIsIdempotentAndCompressesOnlyWhenItHelps() throws Exception {
        Path dir = tmp.resolve("s");
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            byte[] text = "abcabcabc".repeat(900).getBytes();
            Score a = s.put(BlockType.DATA, text);
            Score b = s.put(BlockType.DATA, text);
            assertEquals(a, b);
            assertEquals(1, s.stats().blocks());
            assertTrue(s.stats().storedBytes() < text.length / 4, "text should compress");
            byte[] noise = new byte[8192];
            new Random(1).nextBytes(noise);
            s.put(BlockType.DATA, noise);
            assertEquals(text.length + noise.length, s.stats().uniqueBytes());
            assertTrue(s.stats().storedBytes() < text.length / 4 + noise.length + 100);
            assertEquals(3 * 0 + 3, s.stats().puts());
        }
    }

    @Test
    void reopenKeepsBlocksAndStats() throws Exception {
        Path dir = tmp.resolve("s");
        Random rnd = new Random(2);
        List<byte[]> blocks = new ArrayList<>();
        List<Score> scores = new ArrayList<>();
        StoreStats before;
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            for (int i = 0; i < 300; i++) {
                byte[] b = TestStores.mixedBytes(rnd, 1 + rnd.nextInt(9000));
                b[b.length - 1] = 1;
                blocks.add(b);
                scores.add(s.put(BlockType.DATA, b));
            }
            before = s.stats();
            assertTrue(s.arenaCount() > 3);
        }
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            assertEquals(before, s.stats());
            for (int i = 0; i < blocks.size(); i++) {
                assertArrayEquals(blocks.get(i), s.get(scores.get(i), BlockType.DATA));
            }
        }
    }

    @Test
    void missingIndexIsRebuiltFromArenas() throws Exception {
        Path dir = tmp.resolve("s");
        Random rnd = new Random(3);
        List<Score> scores = new ArrayList<>();
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            for (int i = 0; i < 100; i++)
                scores.add(s.put(BlockType.DATA,
                    TestStores.mixedBytes(rnd, 5000)));
        }
        ScoreIndex.delete(dir);
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            for (Score sc : scores)
                assertTrue(s.has(sc));
            assertEquals(scores.stream().distinct().count(), s.stats().blocks());
            s.get(scores.get(42), BlockType.DATA);
        }
    }

    /**
     * A store made before the bucketed index: its index (one MapDB entry per score, marker
     * version 1) is rebuilt from the arenas on open, and the store reads as before.
     */
    @Test
    void anIndexOfTheFirstVersionIsRebuiltFromArenas() throws Exception {
        Path dir = tmp.resolve("s");
        Random rnd = new Random(5);
        List<Score> scores = new ArrayList<>();
        StoreStats before;
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            for (int i = 0; i < 300; i++)
                scores.add(s.put(BlockType.DATA, TestStores.mixedBytes(rnd, 3000)));
            before = s.stats();
        }
        Files.delete(dir.resolve(ScoreIndex.FILE));
        var db = org.mapdb.DBMaker.fileDB(dir.resolve(ScoreIndex.FILE).toFile())
            .fileMmapEnableIfSupported().make();
        db.hashMap("scores", org.mapdb.Serializer.BYTE_ARRAY, org.mapdb.Serializer.LONG)
            .createOrOpen().put(scores.get(0).toBytes(), 12345L); // a wrong address
        db.commit();
        db.close();
        Path marker = dir.resolve(ScoreIndex.MARKER);
        byte[] m = Files.readAllBytes(marker);
        java.nio.ByteBuffer.wrap(m).putInt(4, 1);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(m, 0, m.length - 4);
        java.nio.ByteBuffer.wrap(m).putInt(m.length - 4, (int) crc.getValue());
        Files.write(marker, m);

        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            // a rebuild counts what the arenas hold (logical bytes before zero truncation are
            // not recorded there)
            assertEquals(before.blocks(), s.stats().blocks());
            assertEquals(before.uniqueBytes(), s.stats().uniqueBytes());
            assertEquals(before.storedBytes(), s.stats().storedBytes());
            for (Score sc : scores)
                assertTrue(s.has(sc));
            s.get(scores.get(0), BlockType.DATA); // found where the arenas hold it
        }
        assertEquals(ScoreIndex.VERSION, java.nio.ByteBuffer.wrap(Files.readAllBytes(marker))
            .getInt(4));
    }

    /**
     * A store that never held a block, whose index file is found unreadable: the index starts
     * again and the store works, for puts (many, so the index commits and doubles), lookups
     * and a reopen.
     */
    @Test
    void anEmptyStoresUnreadableIndexIsStartedAgain() throws Exception {
        Path dir = tmp.resolve("s");
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            assertEquals(0, s.stats().blocks());
        }
        Files.write(dir.resolve(ScoreIndex.FILE), "this is not a MapDB file at all".getBytes());
        Random rnd = new Random(11);
        List<Score> scores = new ArrayList<>();
        List<byte[]> blocks = new ArrayList<>();
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            for (int i = 0; i < 400; i++) {
                byte[] b = TestStores.mixedBytes(rnd, 2000);
                b[b.length - 1] = 1; // no trailing zeros: get returns blocks zero-truncated
                blocks.add(b);
                scores.add(s.put(BlockType.DATA, b));
            }
            for (int i = 0; i < 400; i++)
                assertArrayEquals(blocks.get(i), s.get(scores.get(i), BlockType.DATA));
        }
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            assertEquals(400, s.stats().blocks());
            for (int i = 0; i < 400; i++)
                assertArrayEquals(blocks.get(i), s.get(scores.get(i), BlockType.DATA));
        }
    }

    @Test
    void garbageIndexIsRebuiltFromArenas() throws Exception {
        Path dir = tmp.resolve("s");
        Score sc;
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            sc = s.put(BlockType.DATA, new byte[]{1, 2, 3});
        }
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().startsWith(ScoreIndex.FILE)) {
                    Files.write(p, "this is not a MapDB file at all".getBytes());
                }
            }
        }
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            assertArrayEquals(new byte[]{1, 2, 3}, s.get(sc, BlockType.DATA));
        }
    }

    @Test
    void tornTailIsCutOff() throws Exception {
        Path dir = tmp.resolve("s");
        Score kept;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            kept = s.put(BlockType.DATA, new byte[]{9, 9, 9});
        }
        Path arena = dir.resolve("arena-000000.vda");
        long len = Files.size(arena);
        try (RandomAccessFile f = new RandomAccessFile(arena.toFile(), "rw")) {
            f.seek(len);
            f.write(new byte[]{0x56, 0x44, 0x42, 0x4B, 13, 0, 0}); // half a header
        }
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            assertArrayEquals(new byte[]{9, 9, 9}, s.get(kept, BlockType.DATA));
            assertEquals(len, Files.size(arena), "torn tail not cut");
            s.put(BlockType.DATA, new byte[]{4});
        }
    }

    @Test
    void flippedByteIsReportedWithFileOffsetAndScore() throws Exception {
        Path dir = tmp.resolve("s");
        Random rnd = new Random(4);
        Score victim;
        long victimOffset;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            for (int i = 0; i < 10; i++)
                s.put(BlockType.DATA, TestStores.mixedBytes(rnd, 4000));
        }
        // closed, the arena ends where the next record will go (a sync may leave padding)
        victimOffset = Files.size(dir.resolve("arena-000000.vda"));
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            byte[] noise = new byte[4000];
            rnd.nextBytes(noise);
            victim = s.put(BlockType.DATA, noise);
            for (int i = 0; i < 10; i++)
                s.put(BlockType.DATA, TestStores.mixedBytes(rnd, 4000));
        }
        Path arena = dir.resolve("arena-000000.vda");
        TestStores.flip(arena, victimOffset + ArenaRecord.HEADER_SIZE + 1234, 0x01);
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            CorruptBlockException e = assertThrows(CorruptBlockException.class,
                () -> s.get(victim, BlockType.DATA));
            assertTrue(e.getMessage().contains(arena.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("offset " + victimOffset), e.getMessage());
            assertTrue(e.getMessage().contains(victim.toHex()), e.getMessage());
            // the data paths, which decode into the slab cache, refuse it alike, every time
            for (int i = 0; i < 2; i++) {
                CorruptBlockException r = assertThrows(CorruptBlockException.class,
                    () -> s.readRun(new Score[]{victim}, 1, BlockType.DATA,
                        java.nio.ByteBuffer.allocate(4096), 4096));
                assertEquals(e.getMessage(), r.getMessage());
                assertThrows(CorruptBlockException.class,
                    () -> s.read(victim, BlockType.DATA, new byte[4096], 0, 4096));
            }
            List<String> problems = s.verify(null);
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains("offset " + victimOffset));
            assertTrue(problems.get(0).contains(victim.toHex()));
        }
    }

    @Test
    void aDamagedCompressedBlockIsRefusedOnTheCachedReadPath() throws Exception {
        Path dir = tmp.resolve("s");
        byte[] text = "compressible text, ".repeat(200).getBytes(); // 3800 bytes
        Score victim;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            victim = s.put(BlockType.DATA, text);
            assertTrue(s.stats().storedBytes() < text.length / 4, "should be stored compressed");
        }
        Path arena = dir.resolve("arena-000000.vda");
        // the record is the arena's only one; its payload ends the file
        TestStores.flip(arena, Files.size(arena) - 4, 0x40);
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            CorruptBlockException e = assertThrows(CorruptBlockException.class,
                () -> s.readRun(new Score[]{victim}, 1, BlockType.DATA,
                    java.nio.ByteBuffer.allocate(4096), 4096));
            assertTrue(e.getMessage().contains(arena.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(victim.toHex()), e.getMessage());
        }
    }

    /**
     * A compressed payload overwritten with bytes that claim endless literals, its header (and
     * so its CRC) intact: every read path and verify report it, and nothing reads past it.
     */
    @Test
    void aCompressedPayloadOfGarbageIsReportedOnEveryPath() throws Exception {
        Path dir = tmp.resolve("s");
        byte[] text = "compressible text, ".repeat(200).getBytes();
        Score victim;
        long stored;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            victim = s.put(BlockType.DATA, text);
            stored = s.stats().storedBytes();
        }
        Path arena = dir.resolve("arena-000000.vda");
        long end = Files.size(arena);
        try (RandomAccessFile f = new RandomAccessFile(arena.toFile(), "rw")) {
            f.seek(end - stored); // the payload ends the arena
            byte[] ff = new byte[(int) stored];
            java.util.Arrays.fill(ff, (byte) 0xFF);
            f.write(ff);
        }
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            for (org.junit.jupiter.api.function.Executable read : List.<org.junit.jupiter.api.function.Executable>of(
                () -> s.get(victim, BlockType.DATA),
                () -> s.read(victim, BlockType.DATA, new byte[4096], 0, 4096),
                () -> s.readRun(new Score[]{victim}, 1, BlockType.DATA,
                    java.nio.ByteBuffer.allocate(4096), 4096))) {
                CorruptBlockException e = assertThrows(CorruptBlockException.class, read);
                assertTrue(e.getMessage().contains(arena.toString()), e.getMessage());
                assertTrue(e.getMessage().contains(victim.toHex()), e.getMessage());
            }
            assertEquals(1, s.verify(null).size());
        }
    }

    /** A stale or damaged saved filter would hide blocks from has(): it must be ignored. */
    @Test
    void savedFilterIsUsedOnlyForTheCheckpointItCovers() throws Exception {
        Path dir = tmp.resolve("s");
        Random rnd = new Random(5);
        List<Score> first = new ArrayList<>();
        List<Score> second = new ArrayList<>();
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            for (int i = 0; i < 50; i++)
                first.add(s.put(BlockType.DATA, TestStores.mixedBytes(rnd, 3000)));
        }
        Path filter = dir.resolve(ScoreFilter.FILE);
        assertTrue(Files.exists(filter), "a clean close saves the filter");
        byte[] old = Files.readAllBytes(filter);
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            for (Score x : first)
                assertTrue(s.has(x));
            for (int i = 0; i < 50; i++)
                second.add(s.put(BlockType.DATA, TestStores.mixedBytes(rnd, 3000)));
        }
        Files.write(filter, old); // the filter from before the second session's blocks
        long unique;
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            for (Score x : second)
                assertTrue(s.has(x), "a stale filter was used");
            unique = s.stats().blocks();
        }
        byte[] now = Files.readAllBytes(filter);
        for (int i = 40; i < now.length - 4; i += 97)
            now[i] = 0;
        Files.write(filter, now);
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            for (Score x : second)
                assertTrue(s.has(x), "a damaged filter was used");
            rnd = new Random(5);
            for (int i = 0; i < 50; i++)
                s.put(BlockType.DATA, TestStores.mixedBytes(rnd, 3000));
            assertEquals(unique, s.stats().blocks(), "blocks already stored were stored again");
        }
    }

    @Test
    void secondOpenerIsRefused() throws Exception {
        Path dir = tmp.resolve("s");
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            // FileLock is per JVM; a second channel in the same JVM gets OverlappingFileLock.
            assertThrows(Exception.class, () -> DiskBlockStore.open(dir));
        }
    }

    @Test
    void manyThreadsPutAndGetAtOnce() throws Exception {
        Path dir = tmp.resolve("s");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (DiskBlockStore s = TestStores.tinyDisk(dir)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t % 2; // two pairs of threads write the same blocks
                fs.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    for (int i = 0; i < 200; i++) {
                        byte[] b = TestStores.mixedBytes(r, 3000);
                        b[b.length - 1] = 1;
                        Score sc = s.put(BlockType.DATA, b);
                        assertArrayEquals(b, s.get(sc, BlockType.DATA));
                        if (i % 50 == 0)
                            s.sync();
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs)
                f.get();
            assertEquals(400, s.stats().blocks());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void lookupsNeverMissWhileTheIndexCommitsInTheBackground() throws Exception {
        Path dir = tmp.resolve("bg");
        List<Score> published = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        // a commit every 7 records: thousands of detach/commit windows for the readers to hit
        try (DiskBlockStore s = DiskBlockStore.open(dir, DiskBlockStore.Options.defaults()
            .withMaxArenaSize(1 << 20).withIndexCommitRecords(7))) {
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int seed = t;
                readers.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    long checked = 0;
                    while (!done.get() || checked == 0) {
                        int n = published.size();
                        if (n == 0) continue;
                        Score sc = published.get(r.nextInt(n));
                        assertTrue(s.has(sc), "lost " + sc + " after " + checked + " lookups");
                        s.get(sc, BlockType.DATA);
                        checked++;
                    }
                    return checked;
                }));
            }
            Random r = new Random(42);
            for (int i = 0; i < 3000; i++) {
                byte[] b = TestStores.mixedBytes(r, 500);
                b[0] = (byte) i;
                b[1] = (byte) (i >> 8);
                b[b.length - 1] = 1;
                published.add(s.put(BlockType.DATA, b));
            }
            done.set(true);
            for (Future<?> f : readers)
                f.get();
        } finally {
            pool.shutdownNow();
        }
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            assertEquals(3000, s.stats().blocks());
            for (Score sc : published)
                assertTrue(s.has(sc));
            assertEquals(List.of(), s.verify(null));
        }
    }

    /** Records what a read gathers: its bytes, its shared pieces, their releases still due. */
    private static final class Recorder implements Gather {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private final List<Runnable> releases = new ArrayList<>();
        private java.nio.ByteBuffer filled; // written by the reader until its next call
        int shared;
        int unreleased;

        @Override
        public void share(java.nio.ByteBuffer piece, Runnable release) {
            takeFilled();
            assertTrue(piece.isReadOnly(), "a shared piece must be read-only");
            byte[] b = new byte[piece.remaining()];
            piece.duplicate().get(b);
            bytes.writeBytes(b);
            if (release == NO_RELEASE) return; // zeros
            shared++;
            unreleased++;
            releases.add(() -> {
                release.run();
                unreleased--;
            });
        }

        @Override
        public java.nio.ByteBuffer fill(int n) {
            takeFilled();
            filled = java.nio.ByteBuffer.allocate(n);
            return filled;
        }

        private void takeFilled() {
            if (filled != null) bytes.writeBytes(filled.array());
            filled = null;
        }

        /** The bytes gathered; runs the releases, as a socket would once it sent them. */
        byte[] done() {
            takeFilled();
            releases.forEach(Runnable::run);
            releases.clear();
            return bytes.toByteArray();
        }
    }

    @Test
    void aRunOfCachedNeighboursIsSharedAsOneSliceAndReleased() throws Exception {
        int size = 4096;
        Random rnd = new Random(9);
        try (DiskBlockStore s = DiskBlockStore.open(tmp.resolve("s"))) {
            byte[] expected = new byte[12 * size];
            Score[] scores = new Score[12];
            for (int i = 0; i < 12; i++) {
                byte[] b = new byte[size];
                // block 5 is zero-truncated, block 8 all zeros, the rest full
                int n = i == 5 ? 1000 : i == 8 ? 0 : size;
                for (int k = 0; k < n; k++)
                    b[k] = (byte) (1 + rnd.nextInt(255));
                System.arraycopy(b, 0, expected, i * size, size);
                scores[i] = s.put(BlockType.DATA, b);
            }
            assertTrue(scores[8].isZero());
            for (int pass = 0; pass < 2; pass++) { // cold (loads in order), then warm
                Recorder r = new Recorder();
                s.readRun(scores, 12, BlockType.DATA, size, r);
                assertEquals(r.shared, r.unreleased);
                assertArrayEquals(expected, r.done());
                assertEquals(0, r.unreleased);
                // 0-5 (5's tail ends it), 6-7, 9-11: the zeros break the runs
                assertEquals(3, r.shared, "pass " + pass);
            }
            // and copied into a buffer, as every other reader has it
            java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocateDirect(12 * size);
            s.readRun(scores, 12, BlockType.DATA, dst, size);
            byte[] got = new byte[12 * size];
            dst.flip().get(got);
            assertArrayEquals(expected, got);
        }
    }

    /**
     * Blocks the slab cache does not take (the cache off, or blocks too big for a slab) are
     * loaded and copied into the gatherer: a zero-truncated one still gathers its size exactly,
     * its tail as zeros. The NBD server failed every such read ("read gathered 262145 bytes of
     * 262144") with {@code -Dvdisk.cacheBytes=0}.
     */
    @Test
    void blocksTheCacheDoesNotTakeGatherTheirSizeExactly() throws Exception {
        record Case(long cacheBytes, int size) {
        }
        // the cache off; and 512 KiB blocks, past the quarter slab a 1 MiB budget caches
        for (Case c : List.of(new Case(0, 4096), new Case(1 << 20, 512 << 10))) {
            Random rnd = new Random(c.size());
            Path dir = tmp.resolve("s" + c.cacheBytes());
            try (DiskBlockStore s = DiskBlockStore.open(dir,
                DiskBlockStore.Options.defaults().withCacheBytes(c.cacheBytes()))) {
                int size = c.size();
                byte[] expected = new byte[4 * size];
                Score[] scores = new Score[4];
                for (int i = 0; i < 4; i++) {
                    byte[] b = new byte[size];
                    // a full block of noise, one of text, one zero-truncated, one all zeros
                    int n = i == 2 ? size / 3 : i == 3 ? 0 : size;
                    byte[] fill = i == 1 ? TestStores.mixedBytes(rnd, n) : new byte[n];
                    if (i != 1) rnd.nextBytes(fill);
                    System.arraycopy(fill, 0, b, 0, n);
                    System.arraycopy(b, 0, expected, i * size, size);
                    scores[i] = s.put(BlockType.DATA, b);
                }
                for (int pass = 0; pass < 2; pass++) {
                    Recorder r = new Recorder();
                    s.readRun(scores, 4, BlockType.DATA, size, r);
                    assertArrayEquals(expected, r.done(), c + " pass " + pass);
                    java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocate(4 * size + 1);
                    dst.put(4 * size, (byte) 0x55); // a byte past the run must stay
                    s.readRun(scores, 4, BlockType.DATA, dst, size);
                    assertEquals(4 * size, dst.position(), c.toString());
                    assertArrayEquals(expected, java.util.Arrays.copyOf(dst.array(), 4 * size));
                    assertEquals(0x55, dst.get(4 * size));
                }
            }
        }
    }

    /** Blocks past the first pread's 16 KiB take the second read, compressed or not. */
    @Test
    void largeBlocksReadThroughTheCacheWholeAndVerified() throws Exception {
        int size = 64 << 10;
        Random rnd = new Random(10);
        try (DiskBlockStore s = DiskBlockStore.open(tmp.resolve("s"))) {
            byte[] noise = new byte[size];
            rnd.nextBytes(noise);
            byte[] text = TestStores.mixedBytes(rnd, size);
            Score[] scores = {s.put(BlockType.DATA, noise), s.put(BlockType.DATA, text)};
            for (int pass = 0; pass < 2; pass++) {
                java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocate(2 * size);
                s.readRun(scores, 2, BlockType.DATA, dst, size);
                assertArrayEquals(noise, java.util.Arrays.copyOfRange(dst.array(), 0, size));
                assertArrayEquals(text, java.util.Arrays.copyOfRange(dst.array(), size, 2 * size));
                byte[] one = new byte[size];
                s.read(scores[1], BlockType.DATA, one, 0, size);
                assertArrayEquals(text, one);
            }
        }
    }

    /**
     * A cold run reads the records that follow each other in the arena with one pread, and asks
     * the index for any block that is not where the last record ended or a few records on: out
     * of order, repeated, written elsewhere, compressed, zero, or past the read-ahead.
     */
    @Test
    void aColdRunFindsEveryBlockWhereverItLies() throws Exception {
        int size = 4096;
        Random rnd = new Random(11);
        Path dir = tmp.resolve("s");
        byte[][] blocks = new byte[200][];
        Score[] scores = new Score[blocks.length];
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = i % 5 == 0 ? TestStores.mixedBytes(rnd, size) : new byte[size];
                if (i % 5 != 0) rnd.nextBytes(blocks[i]);
                scores[i] = s.put(BlockType.DATA, blocks[i]);
            }
        }
        int[][] runs = {
            {0, 1, 2, 3, 4, 5, 6, 7}, // in order, compressed ones among them
            {199, 198, 10, 10, 150, 11, 12, -1, 13, 9}, // backwards, repeated, a hole
            java.util.stream.IntStream.range(0, 200).toArray(), // past the read-ahead
            java.util.stream.IntStream.range(0, 40).map(k -> 2 * k + 1).toArray(), // interleaved
            {0, 20, 40, 60, 61, 62, 100}, // too far apart to look for
        };
        for (int[] run : runs) {
            try (DiskBlockStore s = DiskBlockStore.open(dir)) { // cold each time
                Score[] want = new Score[run.length];
                byte[] expected = new byte[run.length * size];
                for (int k = 0; k < run.length; k++) {
                    want[k] = run[k] < 0 ? Score.ZERO : scores[run[k]];
                    if (run[k] >= 0) System.arraycopy(blocks[run[k]], 0, expected, k * size, size);
                }
                for (int pass = 0; pass < 2; pass++) { // cold, then from the cache
                    java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocate(run.length * size);
                    s.readRun(want, run.length, BlockType.DATA, dst, size);
                    assertArrayEquals(expected, dst.array(), java.util.Arrays.toString(run));
                }
            }
        }
    }

    /**
     * Damage in the middle of a cold run is reported at the damaged record, whether its payload
     * or its header took it; the blocks around it still read.
     */
    @Test
    void damageInsideAColdRunIsReportedAtItsRecord() throws Exception {
        int size = 4096;
        for (boolean header : new boolean[]{false, true}) {
            Path dir = tmp.resolve("s" + header);
            Random rnd = new Random(12);
            Score[] scores = new Score[8];
            byte[][] blocks = new byte[8][size];
            long victimOffset = 0;
            for (int[] session : new int[][]{{0, 3}, {3, 8}}) {
                // closed, the arena ends where the next record will go
                if (session[0] == 3) victimOffset = Files.size(dir.resolve("arena-000000.vda"));
                try (DiskBlockStore s = DiskBlockStore.open(dir)) {
                    for (int i = session[0]; i < session[1]; i++) {
                        rnd.nextBytes(blocks[i]);
                        scores[i] = s.put(BlockType.DATA, blocks[i]);
                    }
                }
            }
            Path arena = dir.resolve("arena-000000.vda");
            TestStores.flip(arena, victimOffset + (header ? 10 : ArenaRecord.HEADER_SIZE + 99),
                0x04);
            try (DiskBlockStore s = DiskBlockStore.open(dir)) {
                CorruptBlockException e = assertThrows(CorruptBlockException.class,
                    () -> s.readRun(scores, 8, BlockType.DATA,
                        java.nio.ByteBuffer.allocate(8 * size), size));
                assertTrue(e.getMessage().contains(arena + " offset " + victimOffset),
                    e.getMessage());
                assertTrue(e.getMessage().contains(scores[3].toHex()), e.getMessage());
                for (int[] around : new int[][]{{0, 1, 2}, {4, 5, 6, 7}}) {
                    Score[] want = new Score[around.length];
                    for (int k = 0; k < around.length; k++)
                        want[k] = scores[around[k]];
                    java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocate(around.length * size);
                    s.readRun(want, around.length, BlockType.DATA, dst, size);
                    for (int k = 0; k < around.length; k++) {
                        assertArrayEquals(blocks[around[k]], java.util.Arrays.copyOfRange(
                            dst.array(), k * size, (k + 1) * size));
                    }
                }
            }
        }
    }

    /**
     * Cold runs of the newest blocks, read while a writer appends more: their records sit in
     * the arena's unwritten tail or across two arenas, and the cache (one slab) keeps evicting.
     */
    @Test
    void coldRunsReadBlocksStillBeingAppended() throws Exception {
        int size = 4096;
        int run = 8;
        List<Score> published = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (DiskBlockStore s = DiskBlockStore.open(tmp.resolve("s"), DiskBlockStore.Options
            .defaults().withMaxArenaSize(1 << 20).withCacheBytes(1 << 20))) {
            List<Future<Long>> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int seed = t;
                readers.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    long runs = 0;
                    while (!done.get() || runs == 0) {
                        int n = published.size();
                        if (n < run) continue;
                        int first = Math.max(0, n - 4 * run)
                            + r.nextInt(Math.min(n, 4 * run) - run + 1);
                        Score[] want = new Score[run];
                        for (int k = 0; k < run; k++)
                            want[k] = published.get(first + k);
                        java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocate(run * size);
                        s.readRun(want, run, BlockType.DATA, dst, size);
                        for (int k = 0; k < run; k++) {
                            assertArrayEquals(appended(first + k, size), java.util.Arrays
                                .copyOfRange(dst.array(), k * size, (k + 1) * size));
                        }
                        runs++;
                    }
                    return runs;
                }));
            }
            for (int i = 0; i < 3000; i++)
                published.add(s.put(BlockType.DATA, appended(i, size)));
            done.set(true);
            for (Future<Long> f : readers)
                assertTrue(f.get() > 0);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Block {@code i} of the appending test: random or compressible, by turns. */
    private static byte[] appended(int i, int size) {
        Random r = new Random(i);
        byte[] b = i % 3 == 0 ? TestStores.mixedBytes(r, size) : new byte[size];
        if (i % 3 != 0) r.nextBytes(b);
        b[0] = (byte) i;
        b[1] = (byte) (i >> 8);
        b[size - 1] = 1;
        return b;
    }

    /**
     * A run put at once stores what a put of each block would, zeros and repeats included, and
     * from two threads at once stores each block once; every block then reads back cold.
     */
    @Test
    void putRunStoresWhatPutsWould() throws Exception {
        int size = 4096;
        Random rnd = new Random(13);
        byte[] run = new byte[20 * size + 777]; // a short last block
        for (int k = 0; k < 21; k++) {
            int at = k * size;
            int n = Math.min(size, run.length - at);
            if (k % 7 == 3) continue; // all zeros
            if (k == 9) { // a repeat of block 2
                System.arraycopy(run, 2 * size, run, at, size);
                continue;
            }
            byte[] b = k % 2 == 0 ? TestStores.mixedBytes(rnd, n) : new byte[n];
            if (k % 2 == 1) rnd.nextBytes(b);
            b[n - 1] = 1;
            System.arraycopy(b, 0, run, at, n);
        }
        MemoryBlockStore model = new MemoryBlockStore();
        Score[] expected = new Score[21];
        model.putRun(BlockType.DATA, run, 0, run.length, size, expected, 0);
        Path dir = tmp.resolve("s");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            List<Future<Score[]>> fs = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                fs.add(pool.submit(() -> {
                    Score[] got = new Score[22];
                    s.putRun(BlockType.DATA, run, 0, run.length, size, got, 1);
                    return got;
                }));
            }
            for (Future<Score[]> f : fs)
                assertArrayEquals(expected, java.util.Arrays.copyOfRange(f.get(), 1, 22));
            assertEquals(model.stats().blocks(), s.stats().blocks());
        } finally {
            pool.shutdownNow();
        }
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            java.nio.ByteBuffer dst = java.nio.ByteBuffer.allocate(21 * size);
            s.readRun(expected, 21, BlockType.DATA, dst, size);
            assertArrayEquals(run, java.util.Arrays.copyOf(dst.array(), run.length));
            assertEquals(List.of(), s.verify(null));
        }
    }
}
