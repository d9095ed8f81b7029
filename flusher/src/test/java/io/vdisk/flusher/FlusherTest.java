package io.vdisk.flusher;

import static io.vdisk.flusher.Fixture.T0;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.venti.Score;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commit protocol, history rule and rollback over a real journal and store. */
class FlusherTest {
    private static final long SIZE = 1 << 20;

    @TempDir
    Path tmp;

    private final MutableClock clock = new MutableClock(T0.plusSeconds(60), ZoneOffset.UTC);
    private final Flusher flusher = new Flusher(clock, ZoneOffset.UTC);

    @Test
    void flushCommitsWritesAndReleasesTheGeneration() throws Exception {
        try (TestImage img = Fixture.memoryImage(tmp, SIZE)) {
            Score before = img.head();
            byte[] data = Fixture.random(1, 10_000);
            Fixture.write(img, 5000, data);
            Score head = flusher.flush(img);
            assertNotEquals(before, head);
            assertEquals(head, img.head());
            assertEquals(head.toHex(), img.journal().baseTag());
            assertEquals(0, img.journal().dirtyBytes());
            assertTrue(img.journal().pendingGeneration().isEmpty());
            assertArrayEquals(data, Arrays.copyOfRange(img.readRoot(head), 5000, 15_000));
            List<Version> h = img.history(head);
            assertEquals(List.of(RootKind.FLUSH, RootKind.IMPORT), kinds(h));
            assertFalse(h.get(0).snapshot());
        }
    }

    @Test
    void cleanFlushChangesNothing() throws Exception {
        try (TestImage img = Fixture.memoryImage(tmp, SIZE)) {
            Score before = img.head();
            assertEquals(before, flusher.flush(img));
            assertEquals(before, img.head());
        }
    }

    @Test
    void aWorkingRootReplacesTheWorkingHeadAndSnapshotsStay() throws Exception {
        try (TestImage img = Fixture.memoryImage(tmp, SIZE)) {
            Fixture.write(img, 0, Fixture.random(2, 4096));
            flusher.flush(img);
            Fixture.write(img, 8192, Fixture.random(3, 4096));
            Score head = flusher.flush(img);
            assertEquals(List.of(RootKind.FLUSH, RootKind.IMPORT), kinds(img.history(head)));
            head = flusher.snapshot(img, "first");
            List<Version> h = img.history(head);
            assertEquals(List.of(RootKind.MANUAL, RootKind.IMPORT), kinds(h));
            assertEquals("first", h.get(0).message());
            Fixture.write(img, 0, Fixture.random(4, 100));
            head = flusher.flush(img);
            assertEquals(List.of(RootKind.FLUSH, RootKind.MANUAL, RootKind.IMPORT),
                kinds(img.history(head)));
        }
    }

    @Test
    void snapshotOfUnchangedContentStillWritesARootAndMovesTheJournalTag() throws Exception {
        try (TestImage img = Fixture.memoryImage(tmp, SIZE)) {
            Score head = flusher.snapshot(img, "clean");
            assertEquals(List.of(RootKind.MANUAL, RootKind.IMPORT), kinds(img.history(head)));
            assertEquals(head.toHex(), img.journal().baseTag());
        }
    }

    @Test
    void resizesAreCommitted() throws Exception {
        try (TestImage img = Fixture.memoryImage(tmp, SIZE)) {
            Fixture.write(img, SIZE - 4096, Fixture.random(5, 4096));
            flusher.flush(img);
            img.journal().resize(SIZE / 2);
            img.journal().resize(SIZE * 2);
            Score head = flusher.flush(img);
            byte[] all = img.readRoot(head);
            assertEquals(SIZE * 2, all.length);
            // the cut-off bytes came back as zeros
            assertTrue(allZero(all, (int) (SIZE / 2), all.length));
            img.journal().resize(SIZE / 4);
            head = flusher.flush(img);
            assertEquals(SIZE / 4, img.readRoot(head).length);
        }
    }

    @Test
    void aFailedCommitLeavesTheGenerationPendingAndTheNextFlushFinishesIt() throws Exception {
        CrashHook failing = step -> {
            if (step == CrashHook.Step.AFTER_ROOT) {
                throw new IOException("injected");
            }
        };
        try (TestImage img = Fixture.memoryImage(tmp, SIZE)) {
            Score before = img.head();
            byte[] a = Fixture.random(6, 4096);
            Fixture.write(img, 0, a);
            Flusher broken = new Flusher(clock, ZoneOffset.UTC, failing);
            assertThrows(IOException.class, () -> broken.flush(img));
            assertEquals(before, img.head());
            assertTrue(img.journal().pendingGeneration().isPresent());
            byte[] b = Fixture.random(7, 4096);
            Fixture.write(img, 4096, b); // goes on during the failed commit
            Score head = flusher.flush(img);
            byte[] all = img.readRoot(head);
            assertArrayEquals(a, Arrays.copyOfRange(all, 0, 4096));
            assertArrayEquals(b, Arrays.copyOfRange(all, 4096, 8192));
            assertEquals(0, img.journal().dirtyBytes());
        }
    }

    @Test
    void rollbackIsRefusedWhileOpenForWritingUnlessForced() throws Exception {
        try (TestImage img = Fixture.memoryImage(tmp, SIZE)) {
            Score imported = img.head();
            assertThrows(RollbackRefusedException.class,
                () -> flusher.rollback(img, imported, false, true));
        }
    }

    @Test
    void rollbackMakesANewHeadWithTheOldContentAndLosesNothing() throws Exception {
        try (TestImage img = Fixture.memoryImage(tmp, SIZE)) {
            byte[] v1 = Fixture.random(8, 4096);
            Fixture.write(img, 0, v1);
            Score snap1 = flusher.snapshot(img, "v1");
            Fixture.write(img, 0, Fixture.random(9, 4096));
            img.journal().resize(SIZE / 2);
            Score working = flusher.flush(img);
            clock.advance(Duration.ofMinutes(1));
            Score head = flusher.rollback(img, snap1, false, false);
            assertEquals(head, img.head());
            List<Version> h = img.history(head);
            assertEquals(List.of(RootKind.ROLLBACK, RootKind.FLUSH, RootKind.MANUAL,
                RootKind.IMPORT), kinds(h));
            assertEquals(working, h.get(1).score());
            assertArrayEquals(img.readRoot(snap1), img.readRoot(head));
            // the journal reads the rolled-back content, at its size
            assertEquals(SIZE, img.journal().size());
            assertArrayEquals(img.readRoot(snap1), img.readAll());
            assertEquals(head.toHex(), img.journal().baseTag());
        }
    }

    @Test
    void forcedRollbackSnapshotsTheCurrentStateThenDiscardsTheJournal() throws Exception {
        try (TestImage img = Fixture.memoryImage(tmp, SIZE)) {
            Score imported = img.head();
            byte[] unflushed = Fixture.random(10, 4096);
            Fixture.write(img, 0, unflushed);
            Score head = flusher.rollback(img, imported, true, true);
            List<Version> h = img.history(head);
            assertEquals(List.of(RootKind.ROLLBACK, RootKind.MANUAL, RootKind.IMPORT), kinds(h));
            assertArrayEquals(unflushed,
                Arrays.copyOfRange(img.readRoot(h.get(1).score()), 0, 4096));
            assertTrue(allZero(img.readAll(), 0, (int) SIZE));
            assertEquals(0, img.journal().dirtyBytes());
        }
    }

    @Test
    void pruneKeepsWhatTheRetentionKeepsAndEveryWorkingRoot() throws Exception {
        try (TestImage img = Fixture.memoryImage(tmp, SIZE)) {
            for (int i = 0; i < 5; i++) {
                clock.advance(Duration.ofDays(1));
                Fixture.write(img, i * 4096L, Fixture.random(20 + i, 4096));
                flusher.snapshot(img, "day " + i);
            }
            Fixture.write(img, 0, Fixture.random(30, 10));
            Score working = flusher.flush(img);
            Score head = flusher.prune(img, new Retention(2, 0, 0, 0, 0, 0));
            List<Version> h = img.history(head);
            assertEquals(List.of("", "day 4", "day 3"),
                h.stream().map(Version::message).toList());
            assertArrayEquals(img.readRoot(working), img.readRoot(head));
            assertEquals(head.toHex(), img.journal().baseTag());
            img.verifyAll(head);
        }
    }

    static List<RootKind> kinds(List<Version> h) {
        return h.stream().map(Version::kind).toList();
    }

    static boolean allZero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
