package io.vdisk.venti.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vdisk.venti.Score;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

class ScoreIndexTest {
    @TempDir
    Path tmp;

    private static Score score(int i) {
        return Score.hash(new byte[]{(byte) i, (byte) (i >> 8), 7}, 0, 3);
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
     * Stores made before values moved into the hash tree's leaves keep their index file: MapDB
     * reads the layout from the file's catalog, not from the code that opens it.
     */
    @Test
    void anIndexWithValuesOutsideItsLeavesStillOpens() throws Exception {
        Path fresh = tmp.resolve("fresh");
        Path old = tmp.resolve("old");
        Files.createDirectories(old);
        Files.createDirectories(fresh);
        try (ScoreIndex ix = ScoreIndex.open(fresh)) {
            ix.commit(77, new long[5]); // for its marker only
        }
        DB db = DBMaker.fileDB(old.resolve(ScoreIndex.FILE).toFile()).fileMmapEnableIfSupported()
            .make();
        HTreeMap<byte[], Long> scores = db.hashMap("scores", Serializer.BYTE_ARRAY,
            Serializer.LONG).layout(16, 16, 6).createOrOpen();
        for (int i = 0; i < 500; i++)
            scores.put(score(i).toBytes(), 10L * i);
        db.commit();
        db.close();
        Files.copy(fresh.resolve(ScoreIndex.MARKER), old.resolve(ScoreIndex.MARKER));

        try (ScoreIndex ix = ScoreIndex.open(old)) {
            assertEquals(77, ix.checkpoint(), "the index was thrown away");
            for (int i = 0; i < 500; i++)
                assertEquals(10L * i, ix.get(score(i)), "entry " + i);
            ix.put(score(600), 6000);
            ix.commit(78, new long[5]);
        }
        try (ScoreIndex ix = ScoreIndex.open(old)) {
            assertEquals(6000, ix.get(score(600)));
            assertEquals(0, ix.get(score(0)));
            assertEquals(501, ix.size());
        }
    }
}
