package io.vdisk.nbd.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

class IdlePollTest {
    private long now;

    @Test
    void pollsForItsWindowAfterWorkThenSleeps() throws Exception {
        IdlePoll s = new IdlePoll(100_000, () -> now);
        assertEquals(3, s.calculateStrategy(() -> 3, false), "ready events are handled");
        now += 40_000; // handling them took 40 µs: the window starts when the loop is back
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false));
        now += 99_000;
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false));
        now += 2_000;
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false), "sleeps");
        assertEquals(0, s.calculateStrategy(() -> 0, true), "tasks run without sleeping");
        now += 1_000;
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false),
            "and open a new window");
    }

    @Test
    void largeRequestsLetTheLoopSleepAtOnce() throws Exception {
        IdlePoll s = new IdlePoll(100_000, () -> now);
        assertEquals(1, s.calculateStrategy(() -> 1, false)); // this thread's loop from now on
        IdlePoll.smallRequests(false); // what the handler says after a batch of 256 KiB reads
        now += 1_000;
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
        IdlePoll.smallRequests(true);
        assertEquals(1, s.calculateStrategy(() -> 1, false));
        now += 1_000;
        assertEquals(SelectStrategy.CONTINUE, s.calculateStrategy(() -> 0, false));
    }

    @Test
    void aZeroWindowNeverPolls() throws Exception {
        IdlePoll s = new IdlePoll(0, () -> now);
        assertEquals(1, s.calculateStrategy(() -> 1, false));
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
    }
}
