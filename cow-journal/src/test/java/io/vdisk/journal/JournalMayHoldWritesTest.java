package io.vdisk.journal;

import static io.vdisk.journal.JournalTestKit.applyGeneration;
import static io.vdisk.journal.JournalTestKit.copyDir;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * {@link Journal#mayHoldWrites}, which lets a server leave idle images' journals closed: it must
 * say true whenever {@link Journal#open} would keep something (or report damage), and false for
 * a journal that holds nothing, a reused spare's stale records included.
 */
class JournalMayHoldWritesTest {
    private static final int BS = 4096;
    private static final int BLOCKS = 32;
    private static final JournalOptions OPTS = JournalTestKit.fastOptions(BS);

    @TempDir
    Path tmp;

    private final Random rnd = new Random(11);
    private final byte[] base0 = new byte[BLOCKS * BS];

    private ByteBuffer random(int n) {
        return ByteBuffer.wrap(JournalTestKit.randomBytes(rnd, n));
    }

    @Test
    void aMissingDirectoryHoldsNothing() throws Exception {
        assertFalse(Journal.mayHoldWrites(tmp.resolve("never")));
    }

    @Test
    void aFreshJournalHoldsNothingOpenOrClosed() throws Exception {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, new ByteArrayBase(base0), "t0", OPTS)) {
            assertFalse(Journal.mayHoldWrites(dir), "open, never written");
        }
        assertFalse(Journal.mayHoldWrites(dir), "closed, never written");
    }

    @Test
    void writesCountFlushedOrNotAndZeroesToo() throws Exception {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, new ByteArrayBase(base0), "t0", OPTS)) {
            j.write(5 * BS, random(BS));
            assertTrue(Journal.mayHoldWrites(dir), "written, not flushed");
            j.flush();
            assertTrue(Journal.mayHoldWrites(dir), "written and flushed");
        }
        assertTrue(Journal.mayHoldWrites(dir), "closed with writes");

        Path zeroed = tmp.resolve("z");
        try (Journal j = Journal.open(zeroed, new ByteArrayBase(base0), "t0", OPTS)) {
            j.zero(0, 2 * BS);
            assertTrue(Journal.mayHoldWrites(zeroed), "a zero record is a write");
        }
    }

    /**
     * A sealed generation counts until it is released. Then the journal holds nothing, even
     * once the next generation has taken the released file, longer than a header, whose stale
     * records must not count.
     */
    @Test
    void aReleasedGenerationAndAReusedFileHoldNothing() throws Exception {
        Path dir = tmp.resolve("j");
        try (Journal j = Journal.open(dir, new ByteArrayBase(base0), "t0", OPTS)) {
            j.write(0, random(BLOCKS * BS));
            Generation g1 = j.seal();
            assertTrue(Journal.mayHoldWrites(dir), "sealed, not released");
            byte[] base1 = applyGeneration(g1, base0);
            j.release(g1, new ByteArrayBase(base1), "t1");
            assertFalse(Journal.mayHoldWrites(dir), "released");

            Generation g2 = j.seal(); // the next generation takes generation 1's file
            byte[] base2 = applyGeneration(g2, base1);
            j.release(g2, new ByteArrayBase(base2), "t2");
            try (var logs = Files.list(dir)) {
                Path reused = logs.filter(
                    p -> LogFormat.parseFileName(p.getFileName().toString()) >= 0)
                    .findFirst().orElseThrow();
                assertTrue(Files.size(reused) > LogFormat.HEADER_SIZE + BS,
                    "stale records remain in " + reused);
            }
            assertFalse(Journal.mayHoldWrites(dir), "a reused file with stale records");

            j.write(BS, random(BS));
            assertTrue(Journal.mayHoldWrites(dir), "a write over the stale records");
        }
    }

    /** A kill -9 copy taken after a flush: what the check says, recovery agrees with. */
    @Test
    void aCrashCopyWithFlushedWritesCounts() throws Exception {
        Path dir = tmp.resolve("j");
        Path copy = tmp.resolve("copy");
        byte[] expected = base0.clone();
        try (Journal j = Journal.open(dir, new ByteArrayBase(base0), "t0", OPTS)) {
            ByteBuffer data = random(3 * BS);
            data.duplicate().get(expected, 7 * BS, 3 * BS);
            j.write(7 * BS, data);
            j.flush();
            copyDir(dir, copy);
        }
        assertTrue(Journal.mayHoldWrites(copy));
        try (Journal j = Journal.open(copy, new ByteArrayBase(base0), "t0", OPTS)) {
            assertArrayEquals(expected, JournalTestKit.readAll(j));
        }
    }

    /**
     * Damage counts as writes, so that opening the journal reports it: a bad header, and a
     * flushed log whose first record was wiped, which only its checkpoint still shows.
     */
    @Test
    void damageCountsSoThatOpenReportsIt() throws Exception {
        Path empty = tmp.resolve("empty");
        Journal.open(empty, new ByteArrayBase(base0), "t0", OPTS).close();
        Path log = empty.resolve(LogFormat.fileName(1));
        overwrite(log, LogFormat.MAGIC_OFFSET, new byte[]{'X'});
        assertTrue(Journal.mayHoldWrites(empty), "a header that does not parse");

        Path flushed = tmp.resolve("flushed");
        try (Journal j = Journal.open(flushed, new ByteArrayBase(base0), "t0", OPTS)) {
            j.write(0, random(BS));
            j.flush();
        }
        overwrite(flushed.resolve(LogFormat.fileName(1)), LogFormat.HEADER_SIZE,
            new byte[LogFormat.RECORD_HEADER_SIZE]);
        assertTrue(Journal.mayHoldWrites(flushed), "a checkpoint past a wiped record");
        assertThrows(JournalCorruptException.class,
            () -> Journal.open(flushed, new ByteArrayBase(base0), "t0", OPTS).close());
    }

    private static void overwrite(Path file, long at, byte[] bytes) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), at);
        }
    }
}
