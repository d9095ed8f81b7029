package io.vdisk.venti.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vdisk.venti.Score;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

class ScoreIndexTest {
    @TempDir
    Path tmp;

    private static Score score(int i) {
        return Score.hash(new byte[]{(byte) i, (byte) (i >> 8), (byte) (i >> 16), 7}, 0, 4);
    }

    @Test
    void entriesSurviveACommitAndAReopen() throws Exception {
        try (ScoreIndex ix = ScoreIndex.open(tmp)) {
            for (int i = 0; i < 1000; i++)
                ix.put(score(i), 4096L * i);
            ix.commit(123, new long[]{1, 2, 3, 4, 5});
        }
        try (ScoreIndex ix = ScoreIndex.open(tmp)) {
            assertEquals(123, ix.checkpoint());
            assertEquals(5, ix.counter(ScoreIndex.PUTS));
            assertEquals(1000, ix.size());
            for (int i = 0; i < 1000; i++)
                assertEquals(4096L * i, ix.get(score(i)), "entry " + i);
            assertEquals(-1, ix.get(score(5000)));
        }
    }

    /**
     * An index of an earlier version is not read as this one's: it is dropped, and the store
     * rebuilds it from the arenas (checkpoint 0). Version 1 kept a MapDB entry per score,
     * version 2 the buckets as values of an HTreeMap.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void anIndexOfAnEarlierVersionIsDropped(int version) throws Exception {
        try (ScoreIndex ix = ScoreIndex.open(tmp)) {
            ix.put(score(1), 10);
            ix.commit(77, new long[5]);
        }
        DB db = DBMaker.fileDB(tmp.resolve(ScoreIndex.FILE).toFile()).fileMmapEnableIfSupported()
            .make();
        if (version == 1) {
            HTreeMap<byte[], Long> scores = db.hashMap("scores", Serializer.BYTE_ARRAY,
                Serializer.LONG).layout(16, 16, 6).createOrOpen();
            for (int i = 0; i < 500; i++)
                scores.put(score(i).toBytes(), 10L * i);
        } else {
            HTreeMap<Integer, byte[]> buckets = db.hashMap("buckets", Serializer.INTEGER,
                Serializer.BYTE_ARRAY).valueInline().createOrOpen();
            byte[] entry = new byte[ScoreIndex.ENTRY];
            score(1).copyTo(entry, 0);
            buckets.put(0, entry);
            db.atomicInteger("bits").createOrOpen().set(0);
        }
        db.commit();
        db.close();
        byte[] marker = Files.readAllBytes(tmp.resolve(ScoreIndex.MARKER));
        ByteBuffer.wrap(marker).putInt(4, version);
        CRC32C crc = new CRC32C();
        crc.update(marker, 0, marker.length - 4);
        ByteBuffer.wrap(marker).putInt(marker.length - 4, (int) crc.getValue());
        Files.write(tmp.resolve(ScoreIndex.MARKER), marker);

        try (ScoreIndex ix = ScoreIndex.open(tmp)) {
            assertEquals(0, ix.checkpoint());
            assertEquals(0, ix.size());
            assertEquals(-1, ix.get(score(1)));
        }
    }

    /** Commits that double the buckets, once and several times over, lose no entry. */
    @Test
    void entriesSurviveTheBucketsDoubling() throws Exception {
        int n = 0;
        try (ScoreIndex ix = ScoreIndex.open(tmp)) {
            // 1, then 300 (doubles twice), then 20000 (doubles seven times), then 50 (none), then
            // 70000 (doubles twice more) and 20000 (none)
            for (int batch : new int[]{1, 300, 20_000, 50, 70_000, 20_000}) {
                for (int i = 0; i < batch; i++, n++)
                    ix.put(score(n), 7L * n);
                ix.commit(n, new long[5]);
                for (int i = 0; i < n; i++)
                    assertEquals(7L * i, ix.get(score(i)), "entry " + i + " of " + n);
                assertEquals(n, ix.size());
            }
        }
        try (ScoreIndex ix = ScoreIndex.open(tmp)) {
            assertEquals(n, ix.size());
            long[] seen = new long[1];
            ix.forEach((s, a) -> {
                assertEquals(s, score((int) (a / 7)));
                seen[0]++;
            });
            assertEquals(n, seen[0]);
            for (int i = n; i < n + 1000; i++)
                assertEquals(-1, ix.get(score(i)));
        }
    }

    /** A score committed again keeps its newest address (the store re-indexes after a crash). */
    @Test
    void aScoreCommittedAgainTakesTheNewAddress() throws Exception {
        try (ScoreIndex ix = ScoreIndex.open(tmp)) {
            for (int i = 0; i < 200; i++)
                ix.put(score(i), i);
            ix.commit(1, new long[5]);
            ix.put(score(5), 5000);
            ix.put(score(500), 500);
            ix.commit(2, new long[5]);
            assertEquals(5000, ix.get(score(5)));
            assertEquals(201, ix.size());
        }
        try (ScoreIndex ix = ScoreIndex.open(tmp)) {
            assertEquals(5000, ix.get(score(5)));
            assertEquals(500, ix.get(score(500)));
            assertEquals(4, ix.get(score(4)));
            assertEquals(201, ix.size());
        }
    }

    /**
     * Lookups on other threads find every committed entry while commits double the buckets and
     * remove the old ones, as the store's reads do while its committer thread runs.
     */
    @Test
    void lookupsDuringCommitsThatDoubleNeverMiss() throws Exception {
        try (ScoreIndex ix = ScoreIndex.open(tmp)) {
            AtomicInteger visible = new AtomicInteger();
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<String> miss = new AtomicReference<>();
            Runnable reader = () -> {
                java.util.Random r = new java.util.Random();
                while (!done.get() && miss.get() == null) {
                    int upTo = visible.get();
                    if (upTo == 0) continue;
                    int i = r.nextInt(upTo);
                    if (ix.get(score(i)) != 3L * i) miss.set("entry " + i + " of " + upTo);
                }
            };
            Thread[] readers = {new Thread(reader), new Thread(reader)};
            for (Thread t : readers)
                t.start();
            int n = 0;
            for (int round = 0; round < 12 && miss.get() == null; round++) {
                int batch = 64 << round / 2;
                for (int i = 0; i < batch; i++, n++)
                    ix.put(score(n), 3L * n);
                visible.set(n); // put: a lookup finds it in the pending map already
                var detached = ix.detach();
                ix.commit(detached, n, new long[5]);
            }
            done.set(true);
            for (Thread t : readers)
                t.join();
            assertNull(miss.get());
        }
    }
}
