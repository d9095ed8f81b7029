package io.vdisk.flusher;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.journal.JournalOptions;
import io.vdisk.venti.MemoryBlockStore;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quartz scheduling of flushes and snapshots, observed with Awaitility (no timing asserts). */
class FlushSchedulerTest {
    private static final long SIZE = 1 << 20;
    private static final JournalOptions NO_SYNC = JournalOptions.builder().sync(false).build();

    @TempDir
    Path tmp;

    private final Map<RootKind, AtomicInteger> commits = new ConcurrentHashMap<>();
    private final FlushScheduler.Listener counting = new FlushScheduler.Listener() {
        @Override
        public void committed(String image, RootKind kind, Score head) {
            commits.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
        }
    };

    private static ConditionFactory eventually() {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50));
    }

    @Test
    void aWriteIsInTheStoredScoreWithinTheFlushInterval() throws Exception {
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC);
        try (TestImage img = Fixture.memoryImage(tmp, SIZE);
            FlushScheduler s = new FlushScheduler(flusher, 2, counting)) {
            s.register(img, Policy.DEFAULT.withFlushEvery(Duration.ofSeconds(1)));
            s.start();
            byte[] data = Fixture.random(1, 5000);
            Fixture.write(img, 12_345, data);
            eventually().until(() -> Arrays.equals(data,
                Arrays.copyOfRange(img.readRoot(img.head()), 12_345, 17_345)));
            assertEquals(RootKind.FLUSH, img.history(img.head()).get(0).kind());
        }
    }

    @Test
    void aSecondsCronTakesSnapshotsAndPrunesToTheRetention() throws Exception {
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC);
        try (TestImage img = Fixture.memoryImage(tmp, SIZE);
            FlushScheduler s = new FlushScheduler(flusher, 2, counting)) {
            s.register(img, Policy.DEFAULT.withSnapshotCron("*/2 * * * * ?")
                .withRetention(new Retention(2, 0, 0, 0, 0, 0)));
            s.start();
            eventually().until(() -> count(RootKind.SCHEDULED) >= 3);
            s.unregister(img.name());
            List<Version> h = img.history(img.head());
            // keep-last 2: the import and the first scheduled snapshot were pruned away
            assertEquals(List.of(RootKind.SCHEDULED, RootKind.SCHEDULED),
                h.stream().map(Version::kind).toList());
            assertTrue(h.stream().allMatch(Version::snapshot));
            assertEquals(img.head().toHex(), img.journal().baseTag());
        }
    }

    @Test
    void crossingTheDirtyThresholdFlushesEarly() throws Exception {
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC);
        try (FlushScheduler s = new FlushScheduler(flusher, 2, counting)) {
            JournalOptions opts = JournalOptions.builder().sync(false).flushWantedBytes(64 << 10)
                .flushWanted(s.flushWanted("disk.vdisk")).build();
            try (TestImage img = Fixture.image(tmp, new MemoryBlockStore(), SIZE, opts)) {
                Policy p = Policy.DEFAULT.withFlushEvery(Duration.ofHours(1))
                    .withDirtyBytesThreshold(64 << 10);
                s.register(img, p);
                s.start();
                Score before = img.head();
                byte[] data = Fixture.random(2, 256 << 10);
                Fixture.write(img, 0, data);
                eventually().until(() -> !img.head().equals(before));
                eventually().until(() -> img.journal().dirtyBytes() == 0);
                assertArrayEquals(data,
                    Arrays.copyOfRange(img.readRoot(img.head()), 0, data.length));
                s.close();
            }
        }
    }

    @Test
    void aSnapshotMissedWhileDownIsTakenOnceAtStart() throws Exception {
        // cron fires once ever, at noon on 1 January 2099; the image was imported before it
        // and "now" is after it, so the server was down when it should have fired
        String cron = "0 0 12 1 1 ? 2099";
        Instant imported = Instant.parse("2098-12-31T00:00:00Z");
        MutableClock clock = new MutableClock(Instant.parse("2099-01-05T00:00:00Z"),
            ZoneOffset.UTC);
        Flusher flusher = new Flusher(clock, ZoneOffset.UTC);
        try (TestImage img = Fixture.image(tmp, new MemoryBlockStore(), SIZE, NO_SYNC,
            imported); FlushScheduler s = new FlushScheduler(flusher, 2, counting)) {
            s.register(img, Policy.DEFAULT.withSnapshotCron(cron));
            s.start();
            eventually().until(() -> count(RootKind.SCHEDULED) == 1);
            Version v = img.history(img.head()).get(0);
            assertEquals(RootKind.SCHEDULED, v.kind());
            assertEquals(clock.instant(), v.time());
            // registering again (a restart) finds the snapshot and takes no other
            s.unregister(img.name());
            s.register(img, Policy.DEFAULT.withSnapshotCron(cron));
            s.unregister(img.name());
            assertEquals(1, count(RootKind.SCHEDULED));
        }
    }

    @Test
    void missedComparesTheNextFireTimeWithNow() {
        Instant since = Instant.parse("2026-01-05T10:30:00Z");
        String hourly = "0 0 * * * ?";
        assertFalse(FlushScheduler.missed(hourly, since, since.plusSeconds(1200), ZoneOffset.UTC));
        assertTrue(FlushScheduler.missed(hourly, since, since.plusSeconds(1800), ZoneOffset.UTC));
        // 09:00 local in +02:00 is 07:00Z
        String nine = "0 0 9 * * ?";
        Instant s2 = Instant.parse("2026-01-05T06:00:00Z");
        assertTrue(FlushScheduler.missed(nine, s2, Instant.parse("2026-01-05T07:00:00Z"),
            ZoneOffset.ofHours(2)));
        assertFalse(FlushScheduler.missed(nine, s2, Instant.parse("2026-01-05T07:00:00Z"),
            ZoneOffset.UTC));
    }

    @Test
    void closeFlushesEveryImageOnce() throws Exception {
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC);
        try (TestImage a = Fixture.memoryImage(tmp.resolve("a"), SIZE)) {
            FlushScheduler s = new FlushScheduler(flusher, 2, counting);
            s.register(a, Policy.DEFAULT.withFlushEvery(Duration.ofHours(1)));
            s.start();
            byte[] data = Fixture.random(3, 4096);
            Fixture.write(a, 4096, data);
            s.close();
            s.close(); // idempotent
            assertArrayEquals(data, Arrays.copyOfRange(a.readRoot(a.head()), 4096, 8192));
            assertEquals(0, a.journal().dirtyBytes());
        }
    }

    /**
     * The listener hears of flushes that moved the head, not of the no-op flush every interval
     * of an idle image: with a server's listener logging each, a root of many open images
     * logged a line per image every 30 s.
     */
    @Test
    void flushesOfAnIdleImageAreNotReported() throws Exception {
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC);
        try (TestImage img = Fixture.memoryImage(tmp, SIZE);
            FlushScheduler s = new FlushScheduler(flusher, 2, counting)) {
            s.register(img, Policy.DEFAULT.withFlushEvery(Duration.ofSeconds(1)));
            s.start();
            Fixture.write(img, 0, Fixture.random(4, 4096));
            eventually().until(() -> count(RootKind.FLUSH) == 1);
            // a few more intervals with nothing written: nothing more to report
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(60))
                .until(() -> count(RootKind.FLUSH) == 1);
        }
    }

    /**
     * An image that takes snapshots need not stay open: dormant, it is opened when its cron
     * fires and closed again once the snapshot is taken (not an hour later, at its next
     * flush), as a server does with a root of many images.
     */
    @Test
    void aDormantImageOpensForEachSnapshotAndClosesBetween() throws Exception {
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC);
        MemoryBlockStore store = new MemoryBlockStore();
        TestImage.create(tmp, store, SIZE, Fixture.T0);
        Policy policy = Policy.DEFAULT.withSnapshotCron("*/2 * * * * ?")
            .withFlushEvery(Duration.ofHours(1));
        AtomicReference<TestImage> current = new AtomicReference<>();
        AtomicInteger opens = new AtomicInteger();
        FlushScheduler[] self = new FlushScheduler[1];
        FlushScheduler.Listener closesIdle = new FlushScheduler.Listener() {
            @Override
            public void committed(String image, RootKind kind, Score head) {
                counting.committed(image, kind, head);
            }

            @Override
            public void idle(String image) {
                try {
                    flusher.exclusive(image, () -> {
                        current.get().retire();
                        self[0].forgetIdle(image);
                        return null;
                    });
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        try (FlushScheduler s = new FlushScheduler(flusher, 2, closesIdle, image -> {
            TestImage img = TestImage.open(tmp, store, NO_SYNC);
            current.set(img);
            opens.incrementAndGet();
            self[0].register(img, policy);
        })) {
            self[0] = s;
            s.registerDormant("disk.vdisk", policy, List.of());
            assertEquals(0, opens.get(), "registering opens nothing");
            s.start();
            eventually().until(() -> count(RootKind.SCHEDULED) >= 2 && opens.get() >= 2);
            eventually().until(() -> current.get().retired());
        }
        Score head = TestImage.readPointer(TestImage.pointerOf(tmp));
        List<Version> h = current.get().history(head);
        assertTrue(h.stream().filter(v -> v.kind() == RootKind.SCHEDULED).count() >= 2);
    }

    @Test
    void aDormantImageTakesTheSnapshotMissedWhileDown() throws Exception {
        String cron = "0 0 12 1 1 ? 2099";
        MutableClock clock = new MutableClock(Instant.parse("2099-01-05T00:00:00Z"),
            ZoneOffset.UTC);
        Flusher flusher = new Flusher(clock, ZoneOffset.UTC);
        MemoryBlockStore store = new MemoryBlockStore();
        TestImage.create(tmp, store, SIZE, Instant.parse("2098-12-31T00:00:00Z"));
        Policy policy = Policy.DEFAULT.withSnapshotCron(cron);
        AtomicReference<TestImage> opened = new AtomicReference<>();
        FlushScheduler[] self = new FlushScheduler[1];
        try (FlushScheduler s = new FlushScheduler(flusher, 2, counting, image -> {
            TestImage img = TestImage.open(tmp, store, NO_SYNC);
            opened.set(img);
            self[0].register(img, policy);
        })) {
            self[0] = s;
            Score head = TestImage.readPointer(TestImage.pointerOf(tmp));
            s.registerDormant("disk.vdisk", policy, TestImage.historyOf(store, head));
            s.start();
            eventually().until(() -> count(RootKind.SCHEDULED) >= 1);
            // opening registers the image again; that must not take the snapshot twice
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(60))
                .until(() -> count(RootKind.SCHEDULED) == 1);
            Score now = opened.get().head();
            assertEquals(RootKind.SCHEDULED, opened.get().history(now).get(0).kind());
        }
        assertEquals(1, count(RootKind.SCHEDULED));
    }

    /**
     * An image going dormant and waking again keeps its cron trigger: a new trigger fires at
     * once when its time is within the last second, and an every-second cron fired on every
     * wake (574 snapshots in 12 s of a served image that clients kept opening).
     */
    @Test
    void wakingAnImageDoesNotFireItsCronAgain() throws Exception {
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC);
        MemoryBlockStore store = new MemoryBlockStore();
        TestImage.create(tmp, store, SIZE, Fixture.T0);
        TestImage img = TestImage.open(tmp, store, NO_SYNC);
        Policy policy = Policy.DEFAULT.withSnapshotCron("* * * * * ?")
            .withFlushEvery(Duration.ofHours(1));
        FlushScheduler[] self = new FlushScheduler[1];
        try (FlushScheduler s = new FlushScheduler(flusher, 2, counting,
            image -> wake(self[0], img, policy))) {
            self[0] = s;
            s.register(img, policy);
            s.start();
            eventually().until(() -> count(RootKind.SCHEDULED) >= 1); // the one missed since T0
            int before = count(RootKind.SCHEDULED);
            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                flusher.exclusive(img.name(), () -> {
                    s.forgetIdle(img.name()); // dormant
                    return null;
                });
                wake(s, img, policy); // and woken by a client
                Thread.sleep(100);
            }
            int taken = count(RootKind.SCHEDULED) - before;
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;
            // one fire a second; the second the loop began in may have had one in flight
            assertTrue(taken <= seconds + 1, taken + " snapshots in " + seconds + " s");
        }
    }

    /**
     * Registers a dormant image again, as opening it does. A fire of its cron may have woken it
     * through the opener a moment before; the server's opens are serialized, this test's two
     * wakers are not.
     */
    private static void wake(FlushScheduler s, ImageTarget img, Policy policy)
        throws IOException {
        try {
            s.register(img, policy);
        } catch (IllegalStateException awakeAlready) {
            // the other waker came first
        }
    }

    /** Quartz refuses a trigger that never fires; the image's flushes must not go with it. */
    @Test
    void aCronThatNeverFiresAgainLeavesFlushesScheduled() throws Exception {
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC);
        try (TestImage img = Fixture.memoryImage(tmp, SIZE);
            FlushScheduler s = new FlushScheduler(flusher, 2, counting)) {
            s.register(img, Policy.DEFAULT.withSnapshotCron("0 0 12 1 1 ? 2020")
                .withFlushEvery(Duration.ofSeconds(1)));
            s.start();
            Fixture.write(img, 0, Fixture.random(5, 4096));
            eventually().until(() -> count(RootKind.FLUSH) == 1);
            assertEquals(0, count(RootKind.SCHEDULED));
        }
    }

    private int count(RootKind k) {
        AtomicInteger n = commits.get(k);
        return n == null ? 0 : n.get();
    }

}
