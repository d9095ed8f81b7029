package io.vdisk.image;

import io.vdisk.venti.BlockStore;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * An image's history (the chain of roots linked by prev, newest first) and the {@code @REV}
 * syntax that picks a version from it:
 *
 * <ul>
 * <li>{@code N} (up to 6 decimal digits): follow prev N times; 0 is the head;
 * <li>{@code 2026-11-25T10:00[:ss]} or {@code 2026-11-25}: the newest snapshot at or before that
 * local time;
 * <li>4 to 40 hex digits: the version in the history whose score starts so (unique), or any image
 * root in the store for a full score.
 * </ul>
 *
 * Thread-safe (stateless).
 */
public final class History {
    private static final Pattern STEPS = Pattern.compile("\\d{1,6}");
    private static final Pattern TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\d(T.*)?");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{4,40}");
    /** A guard against prev cycles in a damaged store. */
    static final int MAX_WALK = 1_000_000;

    private History() {
    }

    /** A revision that is not in any of the accepted forms. */
    public static final class BadRevisionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        BadRevisionException(String m) {
            super(m);
        }
    }

    /** The whole chain from {@code head}, newest first. */
    public static List<ImageRoot> walk(BlockStore store, Score head) throws IOException {
        return walkUntil(store, head, r -> false);
    }

    /**
     * The chain from {@code head}, newest first, up to and including the first root that
     * {@code last} accepts; the whole chain if none does. No root older than that one is read.
     */
    public static List<ImageRoot> walkUntil(BlockStore store, Score head,
        Predicate<ImageRoot> last) throws IOException {
        List<ImageRoot> out = new ArrayList<>();
        Score s = head;
        while (!s.isZero()) {
            if (out.size() >= MAX_WALK)
                throw new ImageFormatException("history of " + head.abbreviated(12)
                    + " is longer than " + MAX_WALK + " (a prev cycle?)");
            ImageRoot r = ImageRoot.load(store, s);
            out.add(r);
            if (last.test(r))
                break;
            s = r.prev();
        }
        return out;
    }

    /** Resolves {@code rev} (null or empty = the head) against the history of {@code head}. */
    public static ImageRoot resolve(BlockStore store, Score head, String rev, ZoneId zone)
        throws IOException {
        if (rev == null || rev.isEmpty())
            return ImageRoot.load(store, head);
        if (STEPS.matcher(rev).matches()) {
            int n = Integer.parseInt(rev);
            Score s = head;
            ImageRoot r = ImageRoot.load(store, s);
            for (int i = 0; i < n; i++) {
                if (r.prev().isZero())
                    throw new IOException("@" + rev + ": the history has only " + (i + 1)
                        + " version" + (i == 0 ? "" : "s"));
                r = ImageRoot.load(store, r.prev());
            }
            return r;
        }
        if (TIME.matcher(rev).matches()) {
            long t = parseTime(rev, zone);
            for (ImageRoot r : walk(store, head)) {
                if (r.snapshot() && r.timeMillis() <= t)
                    return r;
            }
            throw new IOException("@" + rev + ": no snapshot at or before that time");
        }
        if (HEX.matcher(rev).matches()) {
            if (rev.length() == 40)
                return ImageRoot.load(store, Score.fromHex(rev));
            ImageRoot found = null;
            for (ImageRoot r : walk(store, head)) {
                if (r.score().startsWith(rev)) {
                    if (found != null && !found.score().equals(r.score()))
                        throw new IOException("@" + rev + ": ambiguous, matches "
                            + found.score().abbreviated(12) + " and " + r.score()
                                .abbreviated(12));
                    found = r;
                }
            }
            if (found == null)
                throw new IOException("@" + rev + ": no version in the history has that score");
            return found;
        }
        throw new BadRevisionException("bad revision '@" + rev
            + "': expected @N, a score (prefix) or a time like @2026-11-25T10:00");
    }

    private static long parseTime(String rev, ZoneId zone) {
        try {
            LocalDateTime t = rev.length() == 10
                ? LocalDate.parse(rev).atTime(23, 59, 59, 999_000_000)
                : LocalDateTime.parse(rev);
            return t.atZone(zone).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new BadRevisionException("bad time '@" + rev
                + "': expected yyyy-MM-dd or yyyy-MM-ddTHH:mm[:ss]");
        }
    }
}
