package io.vdisk.flusher;

import java.text.ParseException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.quartz.CronExpression;

/**
 * The flushing and snapshot policy of one image. Immutable, thread-safe; start from
 * {@link #DEFAULT} and use the withers.
 *
 * @param flushEvery how often dirty blocks are committed (a working root); default 30 s
 * @param dirtyBytesThreshold journal bytes at which a flush starts early; the application gives
 *        it to the journal as {@code JournalOptions.flushWantedBytes}; default 1 GiB, so a burst
 *        of guest writes lands in the journal at disk speed and is hashed into the store after
 * @param snapshotCron a Quartz cron expression (with seconds, e.g. {@code 0 0 * * * ?}) for
 *        scheduled snapshots, or null for none
 * @param retention which snapshots pruning keeps after each scheduled snapshot
 */
public record Policy(Duration flushEvery, long dirtyBytesThreshold, String snapshotCron,
    Retention retention) {

    public static final Policy DEFAULT = new Policy(Duration.ofSeconds(30), 1L << 30, null,
        Retention.KEEP_ALL);

    /** @throws IllegalArgumentException if a value is out of range or the cron is malformed */
    public Policy {
        Objects.requireNonNull(flushEvery, "flushEvery");
        Objects.requireNonNull(retention, "retention");
        if (flushEvery.isNegative() || flushEvery.isZero() || flushEvery.toMillis() < 1) {
            throw new IllegalArgumentException("flush interval must be positive: " + flushEvery);
        }
        if (dirtyBytesThreshold <= 0) {
            throw new IllegalArgumentException(
                "dirty-size threshold must be positive: " + dirtyBytesThreshold);
        }
        if (snapshotCron != null) {
            snapshotCron = snapshotCron.trim();
            try {
                CronExpression.validateExpression(snapshotCron);
            } catch (ParseException e) {
                throw new IllegalArgumentException(
                    "bad cron expression '" + snapshotCron + "': " + e.getMessage());
            }
        }
    }

    public Optional<String> cron() {
        return Optional.ofNullable(snapshotCron);
    }

    public Policy withFlushEvery(Duration d) {
        return new Policy(d, dirtyBytesThreshold, snapshotCron, retention);
    }

    public Policy withDirtyBytesThreshold(long n) {
        return new Policy(flushEvery, n, snapshotCron, retention);
    }

    /** @param cron a Quartz cron expression, or null for no scheduled snapshots */
    public Policy withSnapshotCron(String cron) {
        return new Policy(flushEvery, dirtyBytesThreshold, cron, retention);
    }

    public Policy withRetention(Retention r) {
        return new Policy(flushEvery, dirtyBytesThreshold, snapshotCron, r);
    }
}
