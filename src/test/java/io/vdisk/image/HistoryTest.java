package io.vdisk.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vdisk.flusher.RootKind;
import io.vdisk.flusher.Version;
import io.vdisk.live.LiveTarget;
import io.vdisk.venti.MemoryBlockStore;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTest {
    private static final ZoneOffset UTC = ZoneOffset.UTC;

    private static long at(String t) {
        return LocalDateTime.parse(t).toInstant(UTC).toEpochMilli();
    }

    @Test
    void stepsScoresAndTimes() throws Exception {
        MemoryBlockStore store = new MemoryBlockStore();
        ImageRoot v0 = new ImageBuilder(store, null, 1).build("h", 0, List.of(), null,
            Kind.IMPORT, "", Score.ZERO, at("2026-11-25T09:00"));
        ImageRoot v1 = ImageCommit.commit(store, v0, 4096, new ByteRanges(), null,
            Kind.MANUAL, true, "s1", v0.score(), at("2026-11-25T10:00"));
        ImageRoot w = ImageCommit.commit(store, v1, 8192, new ByteRanges(), null, Kind.FLUSH,
            false, "", v1.score(), at("2026-11-25T11:00"));
        Score head = w.score();
        assertEquals(3, History.walk(store, head).size());
        assertEquals(head, History.resolve(store, head, null, UTC).score());
        assertEquals(v1.score(), History.resolve(store, head, "1", UTC).score());
        assertEquals(v0.score(), History.resolve(store, head, "2", UTC).score());
        assertThrows(IOException.class, () -> History.resolve(store, head, "3", UTC));
        assertEquals(v1.score(), History.resolve(store, head, v1.score().abbreviated(8), UTC)
            .score());
        assertEquals(v1.score(), History.resolve(store, head, "2026-11-25T10:30", UTC).score(),
            "the working root is not a snapshot");
        assertEquals(v0.score(), History.resolve(store, head, "2026-11-25T09:59", UTC).score());
        assertThrows(IOException.class, () -> History.resolve(store, head, "2026-11-24", UTC));
        assertThrows(History.BadRevisionException.class, () -> History.resolve(store, head, "xyz",
            UTC));
    }

    /**
     * A walk that stops at the newest scheduled snapshot reads no older root, as the server's
     * start does for every image with a snapshot schedule. Here the root before that snapshot
     * is missing, so reading on would fail.
     */
    @Test
    void recentHistoryStopsAtTheNewestScheduledSnapshot() throws Exception {
        MemoryBlockStore store = new MemoryBlockStore();
        ImageRoot v0 = new ImageBuilder(store, null, 1).build("h", 0, List.of(), null,
            Kind.IMPORT, "", Score.ZERO, at("2026-11-25T09:00"));
        Score gone = Score.hash(new byte[]{1, 2, 3}, 0, 3);
        ImageRoot s1 = ImageCommit.commit(store, v0, 4096, new ByteRanges(), null,
            Kind.SCHEDULED, true, "scheduled", gone, at("2026-11-25T10:00"));
        ImageRoot m = ImageCommit.commit(store, s1, 4096, new ByteRanges(), null, Kind.MANUAL,
            true, "by hand", s1.score(), at("2026-11-25T10:30"));
        ImageRoot w = ImageCommit.commit(store, m, 8192, new ByteRanges(), null, Kind.FLUSH,
            false, "", m.score(), at("2026-11-25T11:00"));

        List<Version> recent = LiveTarget.recentHistory(store, w.score());
        assertEquals(List.of(w.score(), m.score(), s1.score()),
            recent.stream().map(Version::score).toList());
        assertEquals(RootKind.SCHEDULED, recent.get(2).kind());
        assertThrows(IOException.class, () -> History.walk(store, w.score()));
        // with no scheduled snapshot, the whole chain
        assertEquals(List.of(m.score(), s1.score()), History.walkUntil(store, m.score(),
            r -> r.kind() == Kind.SCHEDULED).stream().map(ImageRoot::score).toList());
        assertEquals(1, LiveTarget.recentHistory(store, v0.score()).size());
    }
}
