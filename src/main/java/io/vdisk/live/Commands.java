package io.vdisk.live;

import io.vdisk.flusher.FlushScheduler;
import io.vdisk.flusher.Flusher;
import io.vdisk.flusher.Policy;
import io.vdisk.flusher.PolicyStore;
import io.vdisk.flusher.Retention;
import io.vdisk.flusher.internal.Units;
import io.vdisk.image.History;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.VdiskFile;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The server's control commands, run against the live images, the flusher and the policies.
 * Lines are whitespace-separated words; the message of a snapshot is the rest of the line.
 *
 * <pre>
 * flush [PATH]                                  (no PATH: every image of the root)
 * snapshot PATH [MESSAGE...]
 * rollback PATH REV [force]
 * policy PATH [flush-every=30s] [dirty-bytes=1G] [snapshot=CRON|none]
 *             [keep-last=N] [keep-hourly=N] [keep-daily=N] [keep-weekly=N]
 *             [keep-monthly=N] [keep-yearly=N]          (cron words joined with '_' or quoted)
 * </pre>
 *
 * Thread-safe (the flusher serializes commits per image).
 */
public final class Commands implements Control {
    private final LiveImages images;
    private final Flusher flusher;
    private final FlushScheduler scheduler;
    private final PolicyStore policies;
    private final ZoneId zone;

    /** @param scheduler null when there is no running server (a one-shot CLI command) */
    public Commands(LiveImages images, Flusher flusher, FlushScheduler scheduler,
        PolicyStore policies, ZoneId zone) {
        this.images = images;
        this.flusher = flusher;
        this.scheduler = scheduler;
        this.policies = policies;
        this.zone = zone;
    }

    @Override
    public String execute(String line) throws IOException {
        List<String> w = words(line);
        if (w.size() == 1 && w.get(0).equals("flush")) return flushAll();
        if (w.size() < 2) throw new IllegalArgumentException("usage: COMMAND PATH [ARGS]");
        LiveImage img = images.acquire(w.get(1), false); // not closed while the command runs
        try {
            return execute(w, img);
        } finally {
            img.release(false);
        }
    }

    private String execute(List<String> w, LiveImage img) throws IOException {
        String cmd = w.get(0);
        LiveTarget t = new LiveTarget(img);
        switch (cmd) {
            case "flush" : {
                Score s = flusher.flush(t);
                return "flushed " + img.name() + " " + s.toHex();
            }
            case "snapshot" : {
                String message = String.join(" ", w.subList(2, w.size()));
                Score s = flusher.snapshot(t, message);
                return "snapshot " + img.name() + " " + s.toHex();
            }
            case "rollback" : {
                if (w.size() < 3 || w.size() > 4 || w.size() == 4 && !w.get(3).equals("force")) {
                    throw new IllegalArgumentException("usage: rollback PATH REV [force]");
                }
                ImageRoot rev;
                try {
                    rev = History.resolve(img.store(), t.head(), w.get(2), zone);
                } catch (History.BadRevisionException e) {
                    throw new IllegalArgumentException(e.getMessage());
                }
                Score s = flusher.rollback(t, rev.score(), w.size() == 4, img.openForWriting());
                return "rolled back " + img.name() + " to " + rev.score().toHex() + ": head "
                    + s.toHex();
            }
            case "policy" :
                return policy(img, w.subList(2, w.size()));
            default :
                throw new IllegalArgumentException("unknown command '" + cmd
                    + "' (flush, snapshot, rollback, policy)");
        }
    }

    /**
     * Flushes every image of the root; one line per image. An image not open whose journal
     * holds no writes has nothing to flush: its line gives its current score, and it stays
     * closed, as a root of thousands of idle images could not hold every journal open.
     */
    private String flushAll() throws IOException {
        StringBuilder out = new StringBuilder();
        for (String name : images.names()) {
            if (out.length() > 0) out.append('\n');
            LiveImage img = images.acquireIfOpen(images.key(name));
            if (img == null && images.mayHoldWrites(name)) img = images.acquire(name, false);
            Score head;
            try {
                head = img == null
                    ? VdiskFile.read(images.resolve(name))
                    : flusher.flush(new LiveTarget(img));
            } finally {
                if (img != null) img.release(false);
            }
            out.append("flushed ").append(name).append(' ').append(head.toHex());
        }
        return out.length() == 0 ? "no images" : out.toString();
    }

    private String policy(LiveImage img, List<String> settings) throws IOException {
        Policy p = policies.loadOrDefault(img.name());
        if (!settings.isEmpty()) {
            Retention r = p.retention();
            for (String s : settings) {
                int eq = s.indexOf('=');
                if (eq <= 0)
                    throw new IllegalArgumentException("policy setting '" + s
                        + "' is not key=value");
                String k = s.substring(0, eq);
                String v = s.substring(eq + 1);
                switch (k) {
                    case "flush-every" -> p = p.withFlushEvery(Units.parseDuration(v));
                    case "dirty-bytes" -> p = p.withDirtyBytesThreshold(Units.parseSize(v));
                    case "snapshot" -> p = p.withSnapshotCron(v.equals("none")
                        ? null
                        : v.replace('_', ' '));
                    case "keep-last" -> r = new Retention(count(v), r.hourly(), r.daily(),
                        r.weekly(), r.monthly(), r.yearly());
                    case "keep-hourly" -> r = new Retention(r.last(), count(v), r.daily(),
                        r.weekly(), r.monthly(), r.yearly());
                    case "keep-daily" -> r = new Retention(r.last(), r.hourly(), count(v),
                        r.weekly(), r.monthly(), r.yearly());
                    case "keep-weekly" -> r = new Retention(r.last(), r.hourly(), r.daily(),
                        count(v), r.monthly(), r.yearly());
                    case "keep-monthly" -> r = new Retention(r.last(), r.hourly(), r.daily(),
                        r.weekly(), count(v), r.yearly());
                    case "keep-yearly" -> r = new Retention(r.last(), r.hourly(), r.daily(),
                        r.weekly(), r.monthly(), count(v));
                    default -> throw new IllegalArgumentException("unknown policy setting '" + k
                        + "'");
                }
            }
            p = p.withRetention(r);
            policies.save(img.name(), p);
            if (scheduler != null) scheduler.update(img.name(), p);
            img.dirtyThreshold(p.dirtyBytesThreshold());
        }
        return describe(img.name(), p);
    }

    static String describe(String name, Policy p) {
        Retention r = p.retention();
        return name + ": flush-every=" + Units.formatDuration(p.flushEvery()) + " dirty-bytes="
            + Units.formatSize(p.dirtyBytesThreshold()) + " snapshot="
            + p.cron().map(c -> "'" + c + "'").orElse("none") + " keep-last=" + keep(r.last())
            + " keep-hourly=" + keep(r.hourly()) + " keep-daily=" + keep(r.daily())
            + " keep-weekly=" + keep(r.weekly()) + " keep-monthly=" + keep(r.monthly())
            + " keep-yearly=" + keep(r.yearly());
    }

    private static String keep(int n) {
        return n == Retention.UNLIMITED ? "unlimited" : Integer.toString(n);
    }

    private static int count(String v) {
        if (v.equals("unlimited")) return Retention.UNLIMITED;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + v + "' is not a count");
        }
    }

    /** Splits on blanks; single or double quotes group words. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = null;
        char quote = 0;
        for (char c : line.strip().toCharArray()) {
            if (quote != 0) {
                if (c == quote) quote = 0;
                else
                    cur.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                if (cur == null) cur = new StringBuilder();
            } else if (Character.isWhitespace(c)) {
                if (cur != null) out.add(cur.toString());
                cur = null;
            } else {
                if (cur == null) cur = new StringBuilder();
                cur.append(c);
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unclosed quote in '" + line + "'");
        if (cur != null) out.add(cur.toString());
        return out;
    }

    static List<String> split(String... w) {
        return Arrays.asList(w);
    }
}
