package io.vdisk.journal;

import static io.vdisk.journal.JournalTestKit.applyGeneration;
import static io.vdisk.journal.JournalTestKit.assertContent;
import static io.vdisk.journal.JournalTestKit.copyDir;
import static io.vdisk.journal.JournalTestKit.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.journal.internal.LogFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery rules: generations already committed, torn tails, damage in flushed data. */
class JournalRecoveryTest {
    private static final int BS = 4096;
    private static final JournalOptions OPTS = JournalTestKit.fastOptions(BS);

    @TempDir
    Path tmp;

    private final Random rnd = new Random(42);

    private byte[] random(int n) {
        return JournalTestKit.randomBytes(rnd, n);
    }

    /**
     * A seal that cannot start the next log (on a full file system; here a directory squats on
     * its name) is taken back: the journal keeps taking writes into the same generation, a later
     * seal works, and a crash in between recovers the generation unsealed with every write.
     * Before, every later write failed with "generation 1 is sealed".
     */
    @Test
    void aSealThatCannotStartTheNextLogIsTakenBack() throws Exception {
        byte[] base = random(64 * BS);
        byte[] model = base.clone();
        Path live = tmp.resolve("live");
        try (Journal j = Journal.open(live, new ByteArrayBase(base), "A", OPTS)) {
            byte[] w1 = random(5 * BS + 9);
            j.write(3 * BS + 7, ByteBuffer.wrap(w1));
            System.arraycopy(w1, 0, model, 3 * BS + 7, w1.length);
            Path squatter = Files.createDirectory(
                live.resolve(LogFormat.fileName(2)));
            assertThrows(IOException.class, j::seal);
            assertTrue(j.pendingGeneration().isEmpty());
            byte[] w2 = random(2 * BS);
            j.write(40 * BS, ByteBuffer.wrap(w2));
            System.arraycopy(w2, 0, model, 40 * BS, w2.length);
            j.flush();
            assertContent("after the failed seal", model, j);
            Files.delete(squatter);
            copyDir(live, tmp.resolve("crashed"));
            Generation g = j.seal();
            assertArrayEquals(model, applyGeneration(g, base));
        }
        try (Journal after = Journal.open(tmp.resolve("crashed"), new ByteArrayBase(base), "A",
            OPTS)) {
            assertTrue(after.pendingGeneration().isEmpty(), "the seal was taken back");
            assertContent("after a crash", model, after);
            byte[] w3 = random(BS);
            after.write(0, ByteBuffer.wrap(w3));
            System.arraycopy(w3, 0, model, 0, BS);
            assertArrayEquals(model, applyGeneration(after.seal(), base));
        }
    }

    /**
     * The flusher committed the sealed generation and replaced the .vdisk, then the process died
     * before release: reopening over the new base drops the generation; reopening over the old
     * base (the rename never happened) keeps it for replay. Writes made after the seal survive
     * either way.
     */
    @Test
    void committedGenerationIsDroppedAndUncommittedOneReplayed() throws Exception {
        byte[] base0 = random(64 * BS);
        byte[] model = base0.clone();
        Path live = tmp.resolve("live");
        try (Journal j = Journal.open(live, new ByteArrayBase(base0), "A", OPTS)) {
            byte[] w1 = random(10 * BS + 100);
            j.write(3 * BS + 7, ByteBuffer.wrap(w1));
            System.arraycopy(w1, 0, model, 3 * BS + 7, w1.length);
            j.zero(20 * BS, 5 * BS);
            Arrays.fill(model, 20 * BS, 25 * BS, (byte) 0);
            Generation g = j.seal();
            byte[] base1 = applyGeneration(g, base0);
            assertArrayEquals(model, base1);

            byte[] w2 = random(BS);
            j.write(40 * BS, ByteBuffer.wrap(w2));
            System.arraycopy(w2, 0, model, 40 * BS, BS);
            j.flush();
            copyDir(live, tmp.resolve("crashed-after-rename"));
            copyDir(live, tmp.resolve("crashed-before-rename"));

            try (Journal after = Journal.open(tmp.resolve("crashed-after-rename"),
                new ByteArrayBase(base1), "B", OPTS)) {
                assertTrue(after.pendingGeneration().isEmpty(), "committed generation dropped");
                assertContent("after rename", model, after);
                assertEquals(1, countFiles(tmp.resolve("crashed-after-rename"), "gen-"));
                assertEquals(1, countFiles(tmp.resolve("crashed-after-rename"), "spare-"),
                    "the dropped generation's file is kept for reuse");
            }
            try (Journal before = Journal.open(tmp.resolve("crashed-before-rename"),
                new ByteArrayBase(base0), "A", OPTS)) {
                Generation pending = before.pendingGeneration().orElseThrow();
                assertEquals(g.sequence(), pending.sequence());
                assertEquals("A", pending.baseTag());
                assertEquals(g.blockCount(), pending.blockCount());
                assertArrayEquals(base1, readAll(pending), "pending view = old base + generation");
                assertContent("before rename", model, before);
                // the flusher replays it and releases
                byte[] replayed = applyGeneration(pending, base0);
                assertArrayEquals(base1, replayed);
                before.release(pending, new ByteArrayBase(replayed), "B");
                assertContent("after replay", model, before);
            }
        }
    }

    @Test
    void sealedButNoNewActiveYetIsRecovered() throws Exception {
        byte[] base0 = random(8 * BS);
        Path live = tmp.resolve("live");
        try (Journal j = Journal.open(live, new ByteArrayBase(base0), "A", OPTS)) {
            j.write(BS, ByteBuffer.wrap(random(BS)));
            j.seal();
            copyDir(live, tmp.resolve("c"));
        }
        // a crash between the SEAL record and the next log's creation leaves only the sealed log
        try (var s = Files.list(tmp.resolve("c"))) {
            Path newest = s.filter(p -> p.toString().endsWith(".log")).sorted()
                .reduce((a, b) -> b).orElseThrow();
            Files.delete(newest);
        }
        try (Journal j = Journal.open(tmp.resolve("c"), new ByteArrayBase(base0), "A", OPTS)) {
            assertTrue(j.pendingGeneration().isPresent());
            j.write(0, ByteBuffer.wrap(random(10)));
        }
    }

    @Test
    void tornTailIsCutSilently() throws Exception {
        byte[] data = random(4 * BS);
        Path dir = tmp.resolve("j");
        Path log;
        try (Journal j = Journal.open(dir, BaseImage.zeros(16 * BS), "A", OPTS)) {
            j.write(0, ByteBuffer.wrap(data));
            j.flush();
            log = onlyLog(dir);
        }
        long clean = Files.size(log);
        // a half-written record past the checkpoint, as a kill in the middle of write() leaves
        byte[] half = new byte[LogFormat.RECORD_HEADER_SIZE + BS / 2];
        ByteBuffer.wrap(half).putShort(LogFormat.RECORD_MAGIC).put(LogFormat.TYPE_DATA);
        Files.write(log, half, StandardOpenOption.APPEND);
        try (Journal j = Journal.open(dir, BaseImage.zeros(16 * BS), "A", OPTS)) {
            byte[] expected = new byte[16 * BS];
            System.arraycopy(data, 0, expected, 0, data.length);
            assertContent("after torn tail", expected, j);
            assertEquals(clean, Files.size(log), "tail truncated");
        }
    }

    @Test
    void damagedRecordInFlushedPartNamesFileAndOffset() throws Exception {
        Path dir = tmp.resolve("j");
        Path log;
        try (Journal j = Journal.open(dir, BaseImage.zeros(16 * BS), "A", OPTS)) {
            j.write(0, ByteBuffer.wrap(random(BS)));
            j.write(5 * BS, ByteBuffer.wrap(random(BS)));
            j.flush();
            j.write(9 * BS, ByteBuffer.wrap(random(BS)));
            j.flush(); // this flush's checkpoint covers the first two records
            log = onlyLog(dir);
            copyDir(dir, tmp.resolve("crash"));
        }
        long second = LogFormat.HEADER_SIZE + LogFormat.RECORD_HEADER_SIZE + BS;
        for (Path d : new Path[]{dir, tmp.resolve("crash")}) {
            Path file = d.resolve(log.getFileName());
            flipByte(file, second + LogFormat.RECORD_HEADER_SIZE + 100);
            JournalCorruptException e = assertThrows(JournalCorruptException.class,
                () -> Journal.open(d, BaseImage.zeros(16 * BS), "A", OPTS));
            assertEquals(file, e.file());
            assertEquals(second, e.offset());
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        }
    }

    @Test
    void damagedHeaderIsRefused() throws Exception {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, BaseImage.zeros(16 * BS), "A", OPTS)) {
            j.write(0, ByteBuffer.wrap(random(BS)));
        }
        Path log = onlyLog(dir);
        flipByte(log, 1);
        JournalCorruptException e = assertThrows(JournalCorruptException.class,
            () -> Journal.open(dir, BaseImage.zeros(16 * BS), "A", OPTS));
        assertEquals(0, e.offset());
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
    }

    @Test
    void secondInstanceOnSameDirectoryIsRefused() throws Exception {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, BaseImage.zeros(BS), "A", OPTS)) {
            IOException e = assertThrows(IOException.class,
                () -> Journal.open(dir, BaseImage.zeros(BS), "A", OPTS));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
    }

    static long countFiles(Path dir, String prefix) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)
                && p.toString().endsWith(".log")).count();
        }
    }

    private static Path onlyLog(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
    }

    private static void flipByte(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
            ch.write(b, at);
        }
    }
}
