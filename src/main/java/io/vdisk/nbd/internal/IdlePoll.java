package io.vdisk.nbd.internal;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;
import java.util.function.LongSupplier;

/**
 * An event loop's choice between handling ready events and sleeping in epoll_wait: for
 * {@code pollNanos} after it last handled something it keeps polling (non-blocking epoll_wait)
 * instead of sleeping, but only while the requests it answers are small ({@link #smallRequests}).
 *
 * <p>A client at queue depth 1 sends its next request a few tens of microseconds after our
 * reply, and on this VM going to sleep and being woken cost more than that: 20,000 4 KiB reads
 * at depth 1 took 1.95-2.41 s and 0.92-1.2 s of server CPU without polling, 1.19-1.41 s and
 * 0.74-0.79 s with 100 µs of it. Streaming clients are another matter: between batches of
 * 256 KiB requests a polling loop spins while the client, on the same cores, needs the CPU to
 * take our replies, so a batch with a request above {@link #SMALL} lets the loop sleep. (With
 * every batch polling, nbd.sh's streaming reads ran at 0.73-0.75 of nbdkit against 0.83-0.98;
 * this machine is too noisy for that to be proof, and its slow write runs, near 440 MiB/s,
 * came with and without the rule.)
 *
 * <p>Not thread-safe: one per event loop, called on its thread only.
 */
public final class IdlePoll implements SelectStrategy {
    /** Requests up to this size are the latency-bound kind that polling serves. */
    public static final long SMALL = 64 << 10;
    private static final ThreadLocal<IdlePoll> CURRENT = new ThreadLocal<>();

    private final long pollNanos;
    private final LongSupplier clock;
    /** When the loop last came back from handling events or tasks. */
    private long idleSince;
    private boolean handling;
    private boolean small = true;

    public IdlePoll(long pollNanos, LongSupplier clock) {
        this.pollNanos = pollNanos;
        this.clock = clock;
        this.idleSince = clock.getAsLong();
    }

    public static SelectStrategyFactory factory(long pollNanos) {
        return () -> new IdlePoll(pollNanos, System::nanoTime);
    }

    /**
     * Tells the calling event loop's strategy whether the batch of requests it just answered
     * held only small ones; a no-op off an event loop using this strategy.
     */
    public static void smallRequests(boolean onlySmall) {
        IdlePoll p = CURRENT.get();
        if (p != null) p.small = onlySmall;
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        if (CURRENT.get() != this) CURRENT.set(this);
        long now = clock.getAsLong();
        if (handling) {
            handling = false;
            idleSince = now;
        }
        int ready = selectNow.get();
        if (ready > 0 || hasTasks) {
            handling = true;
            return ready;
        }
        return small && now - idleSince < pollNanos
            ? SelectStrategy.CONTINUE
            : SelectStrategy.SELECT;
    }
}
