package io.vdisk.flusher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vdisk.venti.Score;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Retention as restic documents {@code forget --keep-*} (doc/060_forget.rst). */
class RetentionTest {
    private static final ZoneId UTC = ZoneOffset.UTC;

    @Test
    void resticDocExampleTwelveSundaysKeepDaily4() {
        List<Version> snaps = new ArrayList<>();
        for (LocalDate d = LocalDate.of(2019, 9, 1); !d.isAfter(LocalDate.of(2019, 11, 17)); d = d
            .plusWeeks(1)) {
            snaps.add(snap(d.atTime(11, 0)));
        }
        assertEquals(12, snaps.size());
        assertEquals(Set.of("2019-10-27T11:00", "2019-11-03T11:00", "2019-11-10T11:00",
            "2019-11-17T11:00"), kept(new Retention(0, 0, 4, 0, 0, 0), snaps, UTC));
    }

    @Test
    void resticDocExampleDailyWeeklyMonthlyOverlap() {
        // one backup a day; doc: the 7 dailies include 1 weekly, so 4 more weeklies; the
        // monthly rule adds 11 month-ends (its 12th, this month, is a daily already)
        List<Version> snaps = new ArrayList<>();
        for (LocalDate d = LocalDate.of(2024, 6, 1); !d.isAfter(LocalDate.of(2025, 11, 30)); d = d
            .plusDays(1)) {
            snaps.add(snap(d.atTime(12, 0)));
        }
        Set<String> kept = kept(new Retention(0, 0, 7, 5, 12, 0), snaps, UTC);
        Set<String> expected = new TreeSet<>();
        for (int d = 24; d <= 30; d++) {
            expected.add("2025-11-" + d + "T12:00");
        }
        for (String d : List.of("11-23", "11-16", "11-09", "11-02")) {
            expected.add("2025-" + d + "T12:00");
        }
        for (int m = 1; m <= 10; m++) {
            expected.add(LocalDate.of(2025, m, 1).plusMonths(1).minusDays(1) + "T12:00");
        }
        expected.add("2024-12-31T12:00");
        assertEquals(22, expected.size());
        assertEquals(expected, new TreeSet<>(kept));
    }

    @Test
    void hourlyBucketsKeepTheNewestOfEachHourAcrossMidnight() {
        List<Version> snaps = new ArrayList<>();
        LocalDateTime t = LocalDateTime.of(2026, 2, 28, 22, 0);
        for (int i = 0; i < 12; i++, t = t.plusMinutes(20)) { // 22:00 .. 01:40
            snaps.add(snap(t));
        }
        assertEquals(Set.of("2026-03-01T01:40", "2026-03-01T00:40", "2026-02-28T23:40"),
            kept(new Retention(0, 3, 0, 0, 0, 0), snaps, UTC));
    }

    @Test
    void bucketsAreCutInTheGivenTimeZone() {
        List<Version> snaps = List.of(snap(LocalDateTime.of(2026, 3, 1, 20, 0)),
            snap(LocalDateTime.of(2026, 3, 1, 17, 0)), snap(LocalDateTime.of(2026, 3, 1, 10, 0)));
        Retention daily2 = new Retention(0, 0, 2, 0, 0, 0);
        // UTC: one day; the newest is the daily, the oldest is kept since a count is left
        assertEquals(Set.of("2026-03-01T20:00", "2026-03-01T10:00"), kept(daily2, snaps, UTC));
        // +05:30: 20:00Z is already 2 March, 17:00Z still 1 March
        assertEquals(Set.of("2026-03-01T20:00", "2026-03-01T17:00"),
            kept(daily2, snaps, ZoneOffset.ofHoursMinutes(5, 30)));
    }

    @Test
    void weeksAreIsoWeeksMondayToSundayAcrossTheYearEnd() {
        List<Version> snaps = List.of(snap(LocalDateTime.of(2025, 12, 28, 12, 0)),
            snap(LocalDateTime.of(2025, 12, 30, 12, 0)), snap(LocalDateTime.of(2026, 1, 2, 12,
                0)));
        assertEquals(Set.of("2026-01-02T12:00", "2025-12-28T12:00"),
            kept(new Retention(0, 0, 0, 2, 0, 0), snaps, UTC));
    }

    @Test
    void theOldestIsKeptWhileARuleHasCountLeft() {
        List<Version> snaps = List.of(snap(LocalDateTime.of(2026, 4, 2, 18, 0)),
            snap(LocalDateTime.of(2026, 4, 2, 8, 0)), snap(LocalDateTime.of(2026, 4, 1, 18, 0)),
            snap(LocalDateTime.of(2026, 4, 1, 8, 0)));
        assertEquals(Set.of("2026-04-02T18:00", "2026-04-01T18:00", "2026-04-01T08:00"),
            kept(new Retention(0, 0, 5, 0, 0, 0), snaps, UTC));
    }

    @Test
    void rulesAreOredAndUnlimitedKeepsEveryBucket() {
        List<Version> snaps = new ArrayList<>();
        for (LocalDate d = LocalDate.of(2026, 1, 1); d.isBefore(LocalDate.of(2026, 5, 1)); d = d
            .plusDays(10)) {
            snaps.add(snap(d.atTime(9, 0)));
        }
        // days 1,11,21,31 Jan; 10,20 Feb; 2,12,22 Mar; 1,11,21 Apr
        Set<String> k = kept(new Retention(2, 0, 0, 0, Retention.UNLIMITED, 0), snaps, UTC);
        assertEquals(Set.of("2026-04-21T09:00", "2026-04-11T09:00", "2026-03-22T09:00",
            "2026-02-20T09:00", "2026-01-31T09:00", "2026-01-01T09:00"), k);
        assertEquals(2, kept(new Retention(0, 0, 0, 0, 0, 2), snaps, UTC).size());
    }

    @Test
    void noRuleKeepsEverything() {
        List<Version> snaps = List.of(snap(LocalDateTime.of(2026, 1, 1, 0, 1)),
            snap(LocalDateTime.of(2026, 1, 1, 0, 0)));
        assertEquals(2, Retention.KEEP_ALL.keep(snaps, UTC).size());
        assertEquals(Collections.emptySet(), Retention.KEEP_ALL.keep(List.of(), UTC));
        assertThrows(IllegalArgumentException.class, () -> new Retention(-2, 0, 0, 0, 0, 0));
    }

    /** The local times (as ISO strings, minutes) of the snapshots kept. */
    static Set<String> kept(Retention r, List<Version> snaps, ZoneId zone) {
        Set<Score> keep = r.keep(snaps, zone);
        Set<String> out = new TreeSet<>();
        for (Version v : snaps) {
            if (keep.contains(v.score())) {
                out.add(LocalDateTime.ofInstant(v.time(), UTC).toString());
            }
        }
        return out;
    }

    static Version snap(LocalDateTime utc) {
        Instant t = utc.toInstant(ZoneOffset.UTC);
        byte[] id = t.toString().getBytes(StandardCharsets.US_ASCII);
        return new Version(Score.hash(id, 0, id.length), t, RootKind.SCHEDULED, true, "");
    }
}
