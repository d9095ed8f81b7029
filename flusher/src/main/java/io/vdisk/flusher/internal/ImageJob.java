package io.vdisk.flusher.internal;

import io.vdisk.venti.Background;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;

/**
 * A Quartz job that runs one action on one image through a {@link Runner}. One job detail per
 * image and action; Quartz never runs two executions of one detail at once, and the flusher's
 * per-image lock serialises a flush with a snapshot of the same image. Thread-safe (stateless
 * besides the runner, which must be).
 */
@DisallowConcurrentExecution
public final class ImageJob implements Job {
    /** Job data key of the image name. */
    public static final String IMAGE = "image";

    /** What a job does. */
    public enum Action {
        FLUSH, SNAPSHOT;

        /** The key of this action's job for {@code image}. */
        public JobKey key(String image) {
            return new JobKey(image, name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Runs the actions; reports its own failures (a job never throws into Quartz). */
    @FunctionalInterface
    public interface Runner {
        void run(String image, Action action);
    }

    private final Runner runner;

    public ImageJob(Runner runner) {
        this.runner = runner;
    }

    @Override
    public void execute(JobExecutionContext context) {
        Background.lowerThisThread(); // flushes and snapshots yield to the guests' requests
        JobDataMap data = context.getMergedJobDataMap();
        JobKey key = context.getJobDetail().getKey();
        Action action = Action.valueOf(key.getGroup().toUpperCase(java.util.Locale.ROOT));
        runner.run(data.getString(IMAGE), action);
    }
}
