package io.vdisk.flusher.internal;

import java.util.Properties;
import java.util.UUID;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.spi.JobFactory;

/**
 * Builds a private Quartz scheduler: in-memory job store, a small daemon thread pool, no update
 * check, and jobs made by the given factory (so they get their collaborators injected rather
 * than looked up). Thread-safe (stateless).
 */
public final class QuartzSetup {
    private QuartzSetup() {
    }

    public static Scheduler create(int threads, JobFactory jobs) throws SchedulerException {
        Properties p = new Properties();
        // a unique name: Quartz keeps schedulers in a process-wide repository by name
        p.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME,
            "vdisk-flusher-" + UUID.randomUUID());
        // Quartz 2.5 has no update check any more (2.2 phoned home unless skipUpdateCheck)
        p.setProperty(StdSchedulerFactory.PROP_SCHED_MAKE_SCHEDULER_THREAD_DAEMON, "true");
        p.setProperty(StdSchedulerFactory.PROP_JOB_STORE_CLASS, "org.quartz.simpl.RAMJobStore");
        p.setProperty("org.quartz.jobStore.misfireThreshold", "5000");
        p.setProperty(StdSchedulerFactory.PROP_THREAD_POOL_CLASS,
            "org.quartz.simpl.SimpleThreadPool");
        p.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        p.setProperty("org.quartz.threadPool.threadNamePrefix", "vdisk-flusher");
        Scheduler s = new StdSchedulerFactory(p).getScheduler();
        s.setJobFactory(jobs);
        return s;
    }
}
