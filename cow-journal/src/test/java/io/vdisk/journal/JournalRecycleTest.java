package io.vdisk.journal;

import static io.vdisk.journal.JournalRecoveryTest.countFiles;
import static io.vdisk.journal.JournalTestKit.applyGeneration;
import static io.vdisk.journal.JournalTestKit.assertContent;
import static io.vdisk.journal.JournalTestKit.copyDir;
import static io.vdisk.journal.JournalTestKit.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.journal.internal.LogFormat;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Released logs are kept as spares and reused: a reused file's stale records (an older, longer
 * generation) must never be replayed or reported as corruption, and a spare is never read.
 */
class JournalRecycleTest {
    private static final int BS = 4096;
    private static final int BLOCKS = 64;
    private static final int RECORD = LogFormat.RECORD_HEADER_SIZE + BS;
    private static final JournalOptions OPTS = JournalTestKit.fastOptions(BS);

    @TempDir
    Path tmp;

    private final Random rnd = new Random(7);

    private byte[] random(int n) {
        return JournalTestKit.randomBytes(rnd, n);
    }

    /** Writes the whole image as one-block records of random bytes. */
    private void writeOneBlockRecords(Journal j) throws Exception {
        byte[] a = random(BLOCKS * BS);
        for (int b = 0; b < BLOCKS; b++) {
            j.write((long) b * BS, ByteBuffer.wrap(a, b * BS, BS));
        }
    }

    /**
     * Generation 1 writes one-block records over the whole image and is released; generation 2
     * overwrites the image, so generation 1's records no longer match the base; generation 3
     * reuses generation 1's file and writes two records of the same shape, so the stale records
     * start exactly where its valid ones end. A kill -9 (a copy of the live files), a clean
     * close, and a crash after sealing generation 3 must all show only generation 3's data.
     */
    @Test
    void recycledFileWithLongerStaleGenerationShowsOnlyNewData() throws Exception {
        byte[] base0 = new byte[BLOCKS * BS];
        Path live = tmp.resolve("live");
        byte[] model;
        byte[] base2;
        try (Journal j = Journal.open(live, new ByteArrayBase(base0), "t0", OPTS)) {
            writeOneBlockRecords(j);
            Generation g1 = j.seal();
            byte[] base1 = applyGeneration(g1, base0);
            // written before the release, so generation 2 stays in its own file
            j.write(0, ByteBuffer.wrap(random(BLOCKS * BS)));
            j.release(g1, new ByteArrayBase(base1), "t1");
            Path spare1 = live.resolve(LogFormat.spareFileName(1));
            assertTrue(Files.exists(spare1), "released log kept as a spare");
            assertFalse(Files.exists(live.resolve(LogFormat.fileName(1))));
            long staleLength = Files.size(spare1);

            Generation g2 = j.seal();
            base2 = applyGeneration(g2, base1);
            j.release(g2, new ByteArrayBase(base2), "t2");
            Path gen3 = live.resolve(LogFormat.fileName(3));
            assertFalse(Files.exists(spare1), "the spare was taken by generation 3");
            assertEquals(staleLength, Files.size(gen3), "generation 3 keeps the spare's blocks");

            byte[] c = random(2 * BS);
            j.write(0, ByteBuffer.wrap(c, 0, BS));
            j.flush();
            j.write(BS, ByteBuffer.wrap(c, BS, BS));
            j.flush(); // the checkpoint now covers the first record only
            model = base2.clone();
            System.arraycopy(c, 0, model, 0, c.length);
            assertContent("live", model, j);
            copyDir(live, tmp.resolve("killed"));

            Generation g3 = j.seal();
            copyDir(live, tmp.resolve("killed-sealed"));
            assertArrayEquals(model, readAll(g3));
        }
        long validLength = LogFormat.HEADER_SIZE + 2 * RECORD;
        Path killed = tmp.resolve("killed");
        try (Journal j = Journal.open(killed, new ByteArrayBase(base2), "t2", OPTS)) {
            assertTrue(j.pendingGeneration().isEmpty());
            assertContent("after kill", model, j);
            assertEquals(validLength, Files.size(killed.resolve(LogFormat.fileName(3))),
                "stale records cut off");
        }
        try (Journal j = Journal.open(killed, new ByteArrayBase(base2), "t2", OPTS)) {
            assertContent("after clean close", model, j);
        }
        try (Journal j = Journal.open(tmp.resolve("killed-sealed"), new ByteArrayBase(base2),
            "t2", OPTS)) {
            Generation pending = j.pendingGeneration().orElseThrow();
            assertEquals(3, pending.sequence());
            assertArrayEquals(model, readAll(pending), "sealed recycled generation");
            assertArrayEquals(model, applyGeneration(pending, base2));
            assertContent("after kill with a sealed recycled generation", model, j);
        }
        try (Journal j = Journal.open(live, new ByteArrayBase(base2), "t2", OPTS)) {
            assertContent("live, reopened", model, j);
        }
    }

    /** Stale bytes are only harmless past the checkpoint: before it they are corruption. */
    @Test
    void recordOfAnotherGenerationBeforeTheCheckpointIsCorruption() throws Exception {
        Path dir = tmp.resolve("j");
        byte[] block = random(BS);
        try (Journal j = Journal.open(dir, BaseImage.zeros(BLOCKS * BS), "t0", OPTS)) {
            j.write(0, ByteBuffer.wrap(block));
            Generation g1 = j.seal();
            j.write(0, ByteBuffer.wrap(block)); // the same record, but of generation 2
            j.release(g1, BaseImage.zeros(BLOCKS * BS), "t1");
        } // close checkpoints generation 2's record
        Path gen2 = dir.resolve(LogFormat.fileName(2));
        ByteBuffer record = ByteBuffer.allocate(RECORD);
        try (FileChannel from = FileChannel.open(dir.resolve(LogFormat.spareFileName(1)));
            FileChannel to = FileChannel.open(gen2, StandardOpenOption.WRITE)) {
            from.read(record, LogFormat.HEADER_SIZE);
            to.write(record.flip(), LogFormat.HEADER_SIZE);
        }
        JournalCorruptException e = assertThrows(JournalCorruptException.class,
            () -> Journal.open(dir, BaseImage.zeros(BLOCKS * BS), "t1", OPTS));
        assertEquals(gen2, e.file());
        assertEquals(LogFormat.HEADER_SIZE, e.offset());
        assertTrue(e.getMessage().contains("generation 1"), e.getMessage());
    }

    /**
     * A release with nothing written since the seal moves the empty active generation into the
     * file just released, so the next writes overwrite its blocks: generation 3 lives in
     * generation 1's file, generation 2's empty one is the spare. Its stale records never
     * show, after a kill -9 or after a crash between the two steps (both empty logs left).
     */
    @Test
    void releaseWithNothingWrittenSinceTheSealRecyclesTheReleasedFile() throws Exception {
        byte[] base0 = new byte[BLOCKS * BS];
        Path live = tmp.resolve("live");
        byte[] base1;
        byte[] model;
        try (Journal j = Journal.open(live, new ByteArrayBase(base0), "t0", OPTS)) {
            writeOneBlockRecords(j);
            Generation g1 = j.seal();
            long released = Files.size(live.resolve(LogFormat.fileName(1)));
            base1 = applyGeneration(g1, base0);
            // the same blocks with other bytes: a replayed stale record would show
            for (int i = 0; i < base1.length; i++)
                base1[i] ^= (byte) 0x5a;
            j.release(g1, new ByteArrayBase(base1), "t1");

            Path gen3 = live.resolve(LogFormat.fileName(3));
            assertEquals(released, Files.size(gen3), "generation 3 took the released file");
            assertTrue(Files.exists(live.resolve(LogFormat.spareFileName(2))),
                "the empty generation 2 is the spare");
            for (String gone : new String[]{LogFormat.fileName(1), LogFormat.fileName(2),
                LogFormat.spareFileName(1)}) {
                assertFalse(Files.exists(live.resolve(gone)), gone);
            }
            assertContent("after the release", base1, j);
            copyDir(live, tmp.resolve("released"));

            byte[] c = random(2 * BS);
            j.write(0, ByteBuffer.wrap(c));
            j.flush();
            model = base1.clone();
            System.arraycopy(c, 0, model, 0, c.length);
            assertContent("live", model, j);
            copyDir(live, tmp.resolve("killed"));
        }
        try (Journal j = Journal.open(tmp.resolve("killed"), new ByteArrayBase(base1), "t1",
            OPTS)) {
            assertTrue(j.pendingGeneration().isEmpty());
            assertContent("after kill", model, j);
        }
        // Crashed after the new generation's rename, before the empty one was retired: the
        // spare is still generation 2's log (retiring only renames it).
        Path half = tmp.resolve("released");
        Files.move(half.resolve(LogFormat.spareFileName(2)), half.resolve(LogFormat.fileName(2)));
        try (Journal j = Journal.open(half, new ByteArrayBase(base1), "t1", OPTS)) {
            assertTrue(j.pendingGeneration().isEmpty());
            assertContent("after a crash inside the recycling", base1, j);
            assertFalse(Files.exists(half.resolve(LogFormat.fileName(2))), "older empty log kept");
            j.write(0, ByteBuffer.wrap(model, 0, 2 * BS));
            assertContent("writing after that crash", model, j);
        }
    }

    /**
     * A spare holding flushed records is never replayed, even when no generation log is left
     * (a crash right after recovery retired the last one), and the next generation's sequence
     * is above the spare's, so when that generation reuses it the old records stay invalid.
     */
    @Test
    void spareLeftAtOpenIsNotReplayed() throws Exception {
        Path dir = tmp.resolve("j");
        byte[] base = random(BLOCKS * BS);
        try (Journal j = Journal.open(dir, new ByteArrayBase(base), "t0", OPTS)) {
            j.write(0, ByteBuffer.wrap(random(8 * BS)));
            j.flush();
            j.write(8 * BS, ByteBuffer.wrap(random(8 * BS)));
            j.flush();
        }
        Files.move(dir.resolve(LogFormat.fileName(1)), dir.resolve(LogFormat.spareFileName(1)));
        for (int open = 0; open < 2; open++) {
            try (Journal j = Journal.open(dir, new ByteArrayBase(base), "t0", OPTS)) {
                assertTrue(j.pendingGeneration().isEmpty());
                assertContent("open " + open, base, j);
                assertEquals(0, j.dirtyBytes());
            }
            assertEquals(1, countFiles(dir, "gen-"));
            assertTrue(countFiles(dir, "spare-") <= 1);
            // an empty active log is recreated on open, each time with the next sequence
            assertTrue(Files.exists(dir.resolve(LogFormat.fileName(2 + open))),
                "sequence continues after the spare's");
        }
    }

    /** Spares beyond the limit (e.g. left by an older version) are deleted, none replayed. */
    @Test
    void surplusSparesAreDeletedAndNeverReplayed() throws Exception {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, BaseImage.zeros(BLOCKS * BS), "t0", OPTS)) {
            j.write(0, ByteBuffer.wrap(random(4 * BS)));
        }
        Path log = dir.resolve(LogFormat.fileName(1));
        for (long seq : new long[]{5, 9, 12}) {
            Files.copy(log, dir.resolve(LogFormat.spareFileName(seq)));
        }
        Files.delete(log);
        try (Journal j = Journal.open(dir, BaseImage.zeros(BLOCKS * BS), "t0", OPTS)) {
            assertContent("no spare replayed", new byte[BLOCKS * BS], j);
        }
        assertTrue(Files.exists(dir.resolve(LogFormat.fileName(13))));
        assertTrue(countFiles(dir, "spare-") <= 1);
    }

    /**
     * A kill inside discard: the new empty log exists beside the old active one (and maybe the
     * sealed one). Recovery finishes the discard instead of refusing two unsealed logs, and
     * never keeps the sealed generation without the writes made after it.
     */
    @Test
    void crashInsideDiscardFinishesIt() throws Exception {
        byte[] base = random(BLOCKS * BS);
        Path live = tmp.resolve("live");
        Path both = tmp.resolve("both-old-logs");
        Path activeOnly = tmp.resolve("old-active-only");
        try (Journal j = Journal.open(live, new ByteArrayBase(base), "t0", OPTS)) {
            j.write(0, ByteBuffer.wrap(random(4 * BS)));
            j.seal();
            j.write(2 * BS, ByteBuffer.wrap(random(4 * BS)));
            j.flush();
            copyDir(live, both);
            copyDir(live, activeOnly);
            Files.delete(activeOnly.resolve(LogFormat.fileName(1)));
            j.discard();
            assertContent("discarded", base, j);
            for (Path d : new Path[]{both, activeOnly}) {
                Files.copy(live.resolve(LogFormat.fileName(3)), d.resolve(LogFormat.fileName(3)));
            }
        }
        for (Path d : new Path[]{both, activeOnly}) {
            try (Journal j = Journal.open(d, new ByteArrayBase(base), "t0", OPTS)) {
                assertTrue(j.pendingGeneration().isEmpty(), d + ": sealed dropped");
                assertContent(d + ": discard finished", base, j);
            }
            assertEquals(1, countFiles(d, "gen-"), d.toString());
        }
    }

    /** Only one unsealed log may hold data: two non-empty ones are still corruption. */
    @Test
    void twoNonEmptyUnsealedLogsAreRefused() throws Exception {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, BaseImage.zeros(BLOCKS * BS), "t0", OPTS)) {
            j.write(0, ByteBuffer.wrap(random(BS)));
        }
        Files.copy(dir.resolve(LogFormat.fileName(1)), tmp.resolve("copy"));
        try (Journal j = Journal.open(dir, BaseImage.zeros(BLOCKS * BS), "t0", OPTS)) {
            j.discard();
            j.write(0, ByteBuffer.wrap(random(BS)));
        }
        Files.copy(tmp.resolve("copy"), dir.resolve(LogFormat.fileName(1)));
        JournalCorruptException e = assertThrows(JournalCorruptException.class,
            () -> Journal.open(dir, BaseImage.zeros(BLOCKS * BS), "t0", OPTS));
        assertTrue(e.getMessage().contains("second unsealed"), e.getMessage());
    }
}
