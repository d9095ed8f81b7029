package io.vdisk.nbd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

class PollBeforeSleepTest {
    private long now;

    @Test
    void pollsForItsWindowAfterWorkThenSleeps() throws Exception {
        NbdServer.PollBeforeSleep s = new NbdServer.PollBeforeSleep(100_000, () -> now);
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
    void aZeroWindowNeverPolls() throws Exception {
        NbdServer.PollBeforeSleep s = new NbdServer.PollBeforeSleep(0, () -> now);
        assertEquals(1, s.calculateStrategy(() -> 1, false));
        assertEquals(SelectStrategy.SELECT, s.calculateStrategy(() -> 0, false));
    }
}
