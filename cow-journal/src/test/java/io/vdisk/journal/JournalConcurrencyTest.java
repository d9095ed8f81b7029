package io.vdisk.journal;

import static io.vdisk.journal.JournalTestKit.assertContent;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several writers on disjoint regions, flushes, readers and a flusher running together. */
class JournalConcurrencyTest {
    private static final int BS = 4096;
    private static final int THREADS = 4;
    private static final int REGION = 64 * BS;

    @TempDir
    Path dir;

    @Test
    void disjointWritersFlushersReadersAndSealing() throws Exception {
        byte[] base = new byte[THREADS * REGION];
        new Random(1).nextBytes(base);
        byte[][] models = new byte[THREADS][];
        JournalOptions opts = JournalOptions.builder().blockSize(BS).build(); // real fdatasync
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 2);
        AtomicBoolean stop = new AtomicBoolean();
        try (Journal j = Journal.open(dir, new ByteArrayBase(base), "t0", opts)) {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                models[t] = Arrays.copyOfRange(base, t * REGION, (t + 1) * REGION);
                writers.add(pool.submit(() -> {
                    Random r = new Random(100 + id);
                    byte[] m = models[id];
                    for (int i = 0; i < 400; i++) {
                        int off = r.nextInt(REGION);
                        int len = Math.min(REGION - off, 1 + r.nextInt(3 * BS));
                        byte[] d = new byte[len];
                        r.nextBytes(d);
                        j.write((long) id * REGION + off, ByteBuffer.wrap(d));
                        System.arraycopy(d, 0, m, off, len);
                        if (i % 16 == 0) {
                            j.flush();
                        }
                        // own region must read back what this thread wrote last
                        ByteBuffer back = ByteBuffer.allocate(len);
                        j.read((long) id * REGION + off, back);
                        assertArrayEquals(d, back.array(), "thread " + id + " step " + i);
                    }
                    return null;
                }));
            }
            // a flusher: seal, "commit" by reading the generation, release onto the new content
            AtomicInteger releases = new AtomicInteger();
            CountDownLatch flusherDone = new CountDownLatch(1);
            pool.submit(() -> {
                byte[] current = base.clone();
                int tag = 0;
                try {
                    while (!stop.get()) {
                        Generation g = j.seal();
                        current = JournalTestKit.applyGeneration(g, current);
                        assertArrayEquals(current, JournalTestKit.readAll(g));
                        j.release(g, new ByteArrayBase(current), "t" + (++tag));
                        releases.incrementAndGet();
                    }
                } finally {
                    flusherDone.countDown();
                }
                return null;
            });
            for (Future<?> f : writers) {
                f.get();
            }
            await().forever().until(() -> releases.get() > 0);
            stop.set(true);
            flusherDone.await();
            byte[] expected = new byte[base.length];
            for (int t = 0; t < THREADS; t++) {
                System.arraycopy(models[t], 0, expected, t * REGION, REGION);
            }
            assertContent("after concurrent run", expected, j);
            assertEquals(base.length, j.size());
            assertTrue(j.pendingGeneration().isEmpty());
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }
}
