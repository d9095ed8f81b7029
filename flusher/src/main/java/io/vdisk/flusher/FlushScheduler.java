package io.vdisk.flusher;

import io.vdisk.flusher.internal.ImageJob;
import io.vdisk.flusher.internal.ImageJob.Action;
import io.vdisk.flusher.internal.QuartzSetup;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.quartz.CronExpression;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;

/**
 * Runs each registered image's {@link Policy} on a private Quartz scheduler: a flush every
 * {@link Policy#flushEvery()}, an early flush when the journal asks for one
 * ({@link #flushWanted}), and cron snapshots each followed by pruning to the policy's
 * {@link Retention}. A scheduled snapshot missed while the server was down is taken once when
 * the image is registered. {@link #close()} stops the jobs (waiting for running ones) and then
 * flushes every image once.
 *
 * <p>An image that takes snapshots need not be open between them: {@link #registerDormant} and
 * {@link #forgetIdle} keep only its snapshot schedule, and when the cron fires the
 * {@link Opener} opens it, which registers it again. A root of thousands of images with a
 * nightly snapshot each so holds open only those in use, not two descriptors per image.
 *
 * <pre>
 * Flusher flusher = new Flusher(Clock.systemDefaultZone(), ZoneId.systemDefault());
 * FlushScheduler s = new FlushScheduler(flusher, 2, FlushScheduler.Listener.NONE);
 * // open each journal with flushWantedBytes(policy.dirtyBytesThreshold())
 * //                   and flushWanted(s.flushWanted(name))
 * s.register(target, policyStore.loadOrDefault(target.name()));
 * s.start();
 * ...
 * s.close(); // before closing journals and the store
 * </pre>
 *
 * Thread-safe.
 */
public final class FlushScheduler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FlushScheduler.class.getName());

    /**
     * Hears about the commits jobs make: snapshots, and flushes that moved the head (a flush
     * with nothing dirty, every interval of every idle image, is not news). Called on scheduler
     * threads; must be thread-safe.
     */
    public interface Listener {
        Listener NONE = new Listener() {
        };

        default void committed(String image, RootKind kind, Score head) {
        }

        default void failed(String image, RootKind kind, Exception error) {
        }

        /**
         * A scheduled flush found nothing to commit, or a scheduled snapshot was taken: the
         * image may be idle.
         */
        default void idle(String image) {
        }
    }

    /** Opens a dormant image for its snapshot. Must be thread-safe. */
    @FunctionalInterface
    public interface Opener {
        /** Opens {@code image}; opening it {@link #register registers} it. */
        void open(String image) throws IOException;
    }

    /** A scheduled image. Thread-safe: policy is replaced whole, early is atomic. */
    private static final class Entry {
        final String name;
        /** Null while the image is dormant: not open, only its snapshot cron scheduled. */
        final ImageTarget target;
        volatile Policy policy;
        final AtomicBoolean earlyPending = new AtomicBoolean();

        Entry(ImageTarget target, Policy policy) {
            this(target, target.name(), policy);
        }

        Entry(ImageTarget target, String name, Policy policy) {
            this.target = target;
            this.name = name;
            this.policy = policy;
        }
    }

    private final Flusher flusher;
    private final Listener listener;
    private final Opener opener;
    private final Scheduler quartz;
    private final ConcurrentHashMap<String, Entry> images = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Creates the scheduler, not yet started.
     *
     * @param threads Quartz worker threads (commits of different images run in parallel)
     */
    public FlushScheduler(Flusher flusher, int threads, Listener listener) throws IOException {
        this(flusher, threads, listener, null);
    }

    /**
     * Creates the scheduler, not yet started, able to keep images dormant between snapshots.
     *
     * @param opener opens a dormant image when its snapshot is due; null if none is ever dormant
     */
    public FlushScheduler(Flusher flusher, int threads, Listener listener, Opener opener)
        throws IOException {
        this.flusher = flusher;
        this.listener = listener;
        this.opener = opener;
        try {
            this.quartz = QuartzSetup.create(threads, (bundle, s) -> new ImageJob(this::run));
        } catch (SchedulerException e) {
            throw new IOException("cannot create the flush scheduler", e);
        }
    }

    public void start() throws IOException {
        try {
            quartz.start();
        } catch (SchedulerException e) {
            throw new IOException("cannot start the flush scheduler", e);
        }
    }

    /**
     * Schedules {@code target}'s jobs under {@code policy}; if its cron should have fired since
     * the newest scheduled snapshot (or since the head, if there is none), a snapshot is taken
     * as soon as the scheduler runs. A dormant image's registration is replaced (its missed
     * snapshot, if any, was seen when it was registered dormant).
     *
     * @throws IllegalStateException if an image of that name is registered already
     */
    public void register(ImageTarget target, Policy policy) throws IOException {
        Entry e = new Entry(target, policy);
        Entry old = images.putIfAbsent(target.name(), e);
        if (old != null && (old.target != null || !images.replace(target.name(), old, e))) {
            throw new IllegalStateException(target.name() + " is registered already");
        }
        add(e, old == null ? target.recentHistory(target.head()) : List.of());
    }

    /**
     * Schedules the snapshots of an image that is not open; its first one due opens it
     * through the {@link Opener}. Flushes are not scheduled: a closed image has nothing to
     * flush. As {@link #register}, takes a snapshot missed since the newest in {@code history}.
     *
     * @param history the image's committed history, newest first, at least back to its newest
     *     scheduled snapshot ({@link ImageTarget#recentHistory})
     * @throws IllegalStateException if an image of that name is registered already, or this
     *     scheduler has no opener
     */
    public void registerDormant(String image, Policy policy, List<Version> history)
        throws IOException {
        if (opener == null) throw new IllegalStateException("no opener for dormant images");
        if (policy.snapshotCron() == null) {
            throw new IllegalArgumentException(image + ": a dormant image needs a snapshot cron");
        }
        Entry e = new Entry(null, image, policy);
        if (images.putIfAbsent(image, e) != null) {
            throw new IllegalStateException(image + " is registered already");
        }
        add(e, history);
    }

    /** Creates the entry's jobs and triggers; takes the snapshot {@code history} missed. */
    private void add(Entry e, List<Version> history) throws IOException {
        try {
            for (Action a : Action.values()) {
                JobDetail job = JobBuilder.newJob(ImageJob.class).withIdentity(a.key(e.name))
                    .usingJobData(ImageJob.IMAGE, e.name).storeDurably().build();
                quartz.addJob(job, true);
            }
            schedule(e);
            if (missedSnapshot(history, e.policy)) {
                LOG.log(System.Logger.Level.INFO, "{0}: a scheduled snapshot was missed; taking"
                    + " it now", e.name);
                quartz.triggerJob(Action.SNAPSHOT.key(e.name));
            }
        } catch (SchedulerException ex) {
            images.remove(e.name, e);
            throw new IOException(e.name + ": cannot schedule", ex);
        }
    }

    /** Replaces the policy of a registered image and reschedules its jobs. */
    public void update(String image, Policy policy) throws IOException {
        Entry e = entry(image);
        if (e.target == null && policy.snapshotCron() == null) {
            forget(image); // dormant for snapshots it no longer takes
            return;
        }
        e.policy = policy;
        try {
            schedule(e);
        } catch (SchedulerException ex) {
            throw new IOException(image + ": cannot reschedule", ex);
        }
    }

    public Optional<Policy> policy(String image) {
        Entry e = images.get(image);
        return e == null ? Optional.empty() : Optional.of(e.policy);
    }

    /** Stops scheduling {@code image} and flushes it once (waits for its running commit). */
    public void unregister(String image) throws IOException {
        Entry e = forget(image);
        if (e.target != null) flusher.flush(e.target);
    }

    /**
     * Stops scheduling {@code image}'s flushes, without a last flush: for an image with nothing
     * to commit, about to be closed. With an {@link Opener}, an image that takes snapshots
     * stays scheduled for them, dormant. A job already past its start finds the image retired.
     */
    public void forgetIdle(String image) throws IOException {
        Entry e = entry(image);
        if (e.target == null) return; // dormant already
        if (opener == null || e.policy.snapshotCron() == null) {
            forget(image);
            return;
        }
        Entry dormant = new Entry(null, image, e.policy);
        if (!images.replace(image, e, dormant)) return; // registered anew meanwhile
        try {
            schedule(dormant);
        } catch (SchedulerException ex) {
            throw new IOException(image + ": cannot reschedule", ex);
        }
    }

    private Entry forget(String image) throws IOException {
        Entry e = entry(image);
        try {
            for (Action a : Action.values()) {
                quartz.deleteJob(a.key(image));
            }
        } catch (SchedulerException ex) {
            throw new IOException(image + ": cannot unschedule", ex);
        } finally {
            images.remove(image, e);
        }
        return e;
    }

    /**
     * The journal's flush-wanted callback for {@code image} (give it to
     * {@code JournalOptions.flushWanted}). It never blocks: it queues one early flush unless
     * one is queued already; before the image is registered it does nothing.
     */
    public Runnable flushWanted(String image) {
        return () -> requestFlush(image);
    }

    /** Queues an early flush of {@code image}; returns whether one was queued by this call. */
    public boolean requestFlush(String image) {
        Entry e = images.get(image);
        if (e == null || e.target == null || closed.get()
            || !e.earlyPending.compareAndSet(false, true)) {
            return false;
        }
        try {
            quartz.triggerJob(Action.FLUSH.key(image));
            return true;
        } catch (SchedulerException ex) {
            e.earlyPending.set(false);
            LOG.log(System.Logger.Level.WARNING, image + ": cannot queue an early flush: " + ex);
            return false;
        }
    }

    /** Stops the jobs, waits for running ones, then flushes every image once. Idempotent. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        IOException failure = null;
        try {
            quartz.shutdown(true);
        } catch (SchedulerException e) {
            failure = new IOException("cannot stop the flush scheduler", e);
        }
        for (Entry e : images.values()) {
            if (e.target == null) continue; // dormant: closed, nothing to flush
            try {
                flusher.flush(e.target);
            } catch (IOException | RuntimeException ex) {
                IOException io = new IOException(e.target.name() + ": final flush failed: "
                    + ex.getMessage(), ex);
                if (failure == null) {
                    failure = io;
                } else {
                    failure.addSuppressed(io);
                }
            }
        }
        images.clear();
        if (failure != null) {
            throw failure;
        }
    }

    private Entry entry(String image) {
        Entry e = images.get(image);
        if (e == null) {
            throw new IllegalArgumentException(image + " is not registered");
        }
        return e;
    }

    /** (Re)creates the image's triggers from its current policy; a dormant image's cron only. */
    private void schedule(Entry e) throws SchedulerException {
        String name = e.name;
        Policy p = e.policy;
        long every = p.flushEvery().toMillis();
        TriggerKey flushKey = new TriggerKey(name, "flush-every");
        quartz.unscheduleJob(flushKey);
        if (e.target != null) {
            Trigger flush = TriggerBuilder.newTrigger().withIdentity(flushKey)
                .forJob(Action.FLUSH.key(name))
                .startAt(new Date(System.currentTimeMillis() + every))
                .withSchedule(SimpleScheduleBuilder.simpleSchedule()
                    .withIntervalInMilliseconds(every).repeatForever()
                    .withMisfireHandlingInstructionNextWithRemainingCount())
                .build();
            quartz.scheduleJob(flush);
        }
        TriggerKey cronKey = new TriggerKey(name, "snapshot-cron");
        // Quartz refuses a trigger that never fires (a cron whose year is past), and with it
        // the image's flushes: such a cron takes only the snapshot it missed.
        String cronExpression = p.snapshotCron() != null && firesAfterNow(p.snapshotCron())
            ? p.snapshotCron()
            : null;
        // An unchanged cron keeps its trigger as the image opens and closes: a new one fires at
        // once if its time is within the last second, and an image woken for each of its
        // every-second snapshots and used by a client in between took 574 in 12 s.
        if (cronExpression != null && quartz.getTrigger(cronKey) instanceof CronTrigger t
            && t.getCronExpression().equals(cronExpression)) {
            return;
        }
        quartz.unscheduleJob(cronKey);
        if (cronExpression != null) {
            Trigger cron = TriggerBuilder.newTrigger().withIdentity(cronKey)
                .forJob(Action.SNAPSHOT.key(name))
                .withSchedule(CronScheduleBuilder.cronSchedule(cronExpression)
                    .inTimeZone(TimeZone.getTimeZone(flusher.zone()))
                    .withMisfireHandlingInstructionFireAndProceed())
                .build();
            quartz.scheduleJob(cron);
        }
    }

    /**
     * Whether the cron should have fired between the newest scheduled snapshot of
     * {@code history} (newest first) and now.
     */
    private boolean missedSnapshot(List<Version> history, Policy p) {
        if (p.snapshotCron() == null) {
            return false;
        }
        Optional<Version> last = history.stream()
            .filter(v -> v.snapshot() && v.kind() == RootKind.SCHEDULED).findFirst();
        if (last.isEmpty() && history.isEmpty()) {
            return false;
        }
        Instant since = last.orElse(history.get(0)).time();
        return missed(p.snapshotCron(), since, flusher.clock().instant(), flusher.zone());
    }

    /**
     * Takes a scheduled snapshot, opening the image first if it is dormant.
     *
     * @return the new head, or null if the image is no longer scheduled
     */
    private Score snapshot(String image) throws IOException {
        // An image closed for being idle just before the snapshot took the commit lock is
        // retired, and the flusher leaves it alone (returning its head): open it again.
        for (int attempt = 0; attempt < 3; attempt++) {
            Entry e = images.get(image);
            if (e == null) return null;
            if (e.target == null) {
                opener.open(image);
                continue;
            }
            Score before = e.target.head();
            Score head = flusher.snapshot(e.target, RootKind.SCHEDULED, "scheduled",
                e.policy.retention());
            if (!head.equals(before) || !e.target.retired()) return head;
        }
        throw new IOException(image + ": closed each time a snapshot was about to be taken");
    }

    /** Whether {@code cron} fires again, by Quartz's clock (the system's), as Quartz checks. */
    private boolean firesAfterNow(String cron) {
        return missed(cron, Instant.now(), Instant.MAX, flusher.zone());
    }

    /** Whether {@code cron} fires after {@code since} and at or before {@code now}. */
    static boolean missed(String cron, Instant since, Instant now, java.time.ZoneId zone) {
        try {
            CronExpression c = new CronExpression(cron);
            c.setTimeZone(TimeZone.getTimeZone(zone));
            Date next = c.getNextValidTimeAfter(Date.from(since));
            return next != null && !next.toInstant().isAfter(now);
        } catch (ParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e); // Policy validated it
        }
    }

    /** Runs a job's action; failures go to the log and the listener, never into Quartz. */
    private void run(String image, Action action) {
        Entry e = images.get(image);
        if (e == null || e.target == null && action == Action.FLUSH) {
            return;
        }
        RootKind kind = action == Action.FLUSH ? RootKind.FLUSH : RootKind.SCHEDULED;
        try {
            Score head;
            if (action == Action.FLUSH) {
                e.earlyPending.set(false);
                Score before = e.target.head();
                head = flusher.flush(e.target);
                if (head.equals(before)) {
                    listener.idle(image);
                    return;
                }
            } else {
                head = snapshot(image);
                if (head == null) return;
                listener.committed(image, kind, head);
                // Closed again at once if no one uses it, not at its next flush: when a nightly
                // cron fires for thousands of dormant images, only those being snapshotted are
                // open.
                listener.idle(image);
                return;
            }
            listener.committed(image, kind, head);
        } catch (Exception ex) {
            if (ex instanceof IOException) { // a full disk, a damaged block: one line a try
                LOG.log(System.Logger.Level.WARNING, image + ": " + kind + " failed: " + ex);
            } else {
                LOG.log(System.Logger.Level.WARNING, image + ": " + kind + " failed", ex);
            }
            listener.failed(image, kind, ex);
        }
    }
}
