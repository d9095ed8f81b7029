package io.vdisk.venti.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vdisk.venti.Score;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PendingEntriesTest {
    private static Score score(int i) {
        return Score.hash(ByteBuffer.allocate(4).putInt(0, i));
    }

    @Test
    void findsWhatWasPutThroughGrowthAndReplacesAddresses() {
        PendingEntries p = new PendingEntries();
        for (int i = 0; i < 50_000; i++)
            p.put(score(i), i * 3L);
        for (int i = 0; i < 50_000; i += 2)
            p.put(score(i), -2L - i); // replaced: the size stays
        assertEquals(50_000, p.size());
        for (int i = 0; i < 50_000; i++)
            assertEquals(i % 2 == 0 ? -2L - i : i * 3L, p.get(score(i)), "entry " + i);
        assertEquals(-1, p.get(score(-1)));
    }

    @Test
    void copyToAndForEachGiveEveryEntryOnce() {
        PendingEntries p = new PendingEntries();
        Map<Score, Long> expected = new HashMap<>();
        for (int i = 0; i < 3_001; i++) {
            p.put(score(i), i);
            expected.put(score(i), (long) i);
        }
        Score[] scores = new Score[p.size()];
        long[] addresses = new long[p.size()];
        assertEquals(3_001, p.copyTo(scores, addresses));
        Map<Score, Long> copied = new HashMap<>();
        for (int i = 0; i < scores.length; i++)
            assertEquals(null, copied.put(scores[i], addresses[i]));
        assertEquals(expected, copied);
        Map<Score, Long> visited = new HashMap<>();
        p.forEach(visited::put);
        assertEquals(expected, visited);

        PendingEntries q = new PendingEntries();
        q.put(score(0), 77);
        q.putAll(p);
        assertEquals(3_001, q.size());
        assertEquals(0, q.get(score(0)));
    }

    /** Readers racing the writer through many doublings never miss an entry put before. */
    @Test
    void readersSeeEveryEntryPutBeforeTheyLook() throws Exception {
        PendingEntries p = new PendingEntries();
        int n = 200_000;
        AtomicInteger published = new AtomicInteger();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread[] readers = new Thread[2];
        for (int r = 0; r < readers.length; r++) {
            int seed = r;
            readers[r] = new Thread(() -> {
                int k = seed;
                while (published.get() < n && failure.get() == null) {
                    int upTo = published.get();
                    if (upTo == 0) continue;
                    k = (k * 1_103_515_245 + 12_345) & 0x7fffffff;
                    int i = k % upTo;
                    long a = p.get(score(i));
                    if (a != i * 7L) failure.set("entry " + i + " of " + upTo + " read " + a);
                }
            });
            readers[r].start();
        }
        for (int i = 0; i < n && failure.get() == null; i++) {
            p.put(score(i), i * 7L);
            published.set(i + 1);
        }
        published.set(n);
        for (Thread t : readers)
            t.join();
        assertEquals(null, failure.get());
        assertEquals(n, p.size());
    }
}
