package io.vdisk.flusher;

import io.vdisk.venti.Score;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Which snapshots to keep, with the meaning restic's {@code forget --keep-*} options have
 * (restic doc/060_forget.rst, {@code ApplyPolicy}):
 *
 * <ul>
 * <li>{@code last n}: the n most recent snapshots;
 * <li>{@code hourly/daily/weekly/monthly/yearly n}: for the last n hours (days, ...) that have
 * one or more snapshots, only the most recent snapshot of each. Buckets are calendar ones in the
 * given time zone, not relative to now: hours :00 to :59, days 00:00 to 23:59, ISO weeks Monday
 * to Sunday, months, years;
 * <li>while a rule still has count left when the walk reaches the oldest snapshot, the oldest is
 * kept too (restic 0.17: "the oldest snapshot is kept additionally");
 * <li>a snapshot kept by any rule is kept; {@link #UNLIMITED} means every bucket; when no rule is
 * set everything is kept.
 * </ul>
 *
 * Immutable, thread-safe; {@link #keep} is a pure function.
 */
public record Retention(int last, int hourly, int daily, int weekly, int monthly, int yearly) {
    /** A count meaning "every bucket" (restic's {@code unlimited}). */
    public static final int UNLIMITED = -1;
    /** No rule: keep everything. */
    public static final Retention KEEP_ALL = new Retention(0, 0, 0, 0, 0, 0);

    public Retention {
        for (int n : new int[]{last, hourly, daily, weekly, monthly, yearly}) {
            if (n < UNLIMITED) {
                throw new IllegalArgumentException(
                    "a keep count is a number >= 0 or unlimited: " + n);
            }
        }
    }

    /** Whether no rule is set, so nothing is ever dropped. */
    public boolean isEmpty() {
        return last == 0 && hourly == 0 && daily == 0 && weekly == 0 && monthly == 0
            && yearly == 0;
    }

    /**
     * The scores of the snapshots the rules keep.
     *
     * @param snapshots in any order; ties in time keep their given order (newest first is what
     *        {@link ImageTarget#history} gives)
     * @param zone the time zone calendar buckets are cut in
     */
    public Set<Score> keep(List<Version> snapshots, ZoneId zone) {
        List<Version> list = new ArrayList<>(snapshots);
        list.sort(Comparator.comparing(Version::time).reversed()); // stable: ties keep order
        Set<Score> kept = new LinkedHashSet<>();
        if (isEmpty()) {
            list.forEach(v -> kept.add(v.score()));
            return kept;
        }
        List<Rule> rules = List.of(new Rule(last, (t, nr) -> (long) nr),
            new Rule(hourly, (t, nr) -> ymd(t) * 100L + t.getHour()),
            new Rule(daily, (t, nr) -> ymd(t)),
            new Rule(weekly, (t, nr) -> t.get(IsoFields.WEEK_BASED_YEAR) * 100L
                + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)),
            new Rule(monthly, (t, nr) -> t.getYear() * 100L + t.getMonthValue()),
            new Rule(yearly, (t, nr) -> (long) t.getYear()));
        for (int nr = 0; nr < list.size(); nr++) {
            Version v = list.get(nr);
            ZonedDateTime t = v.time().atZone(zone);
            boolean oldest = nr == list.size() - 1;
            for (Rule r : rules) {
                if (r.offer(t, nr, oldest)) {
                    kept.add(v.score());
                }
            }
        }
        return kept;
    }

    /** The newest-first walk state of one rule. Not thread-safe; lives within one call. */
    private static final class Rule {
        private int left;
        private final BiFunction<ZonedDateTime, Integer, Long> bucket;
        private Long lastBucket;

        Rule(int count, BiFunction<ZonedDateTime, Integer, Long> bucket) {
            this.left = count;
            this.bucket = bucket;
        }

        /** Whether this rule keeps the snapshot at position {@code nr} (newest first). */
        boolean offer(ZonedDateTime t, int nr, boolean oldest) {
            if (left == 0) {
                return false;
            }
            long b = bucket.apply(t, nr);
            if (lastBucket != null && lastBucket == b && !oldest) {
                return false;
            }
            lastBucket = b;
            if (left > 0) {
                left--;
            }
            return true;
        }
    }

    private static long ymd(ZonedDateTime t) {
        return t.getYear() * 10000L + t.getMonthValue() * 100L + t.getDayOfMonth();
    }
}
