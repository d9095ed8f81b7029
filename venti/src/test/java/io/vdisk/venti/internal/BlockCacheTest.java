package io.vdisk.venti.internal;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.venti.Score;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlockCacheTest {
    private static Score score(int i) {
        return Score.hash(new byte[]{(byte) i, (byte) (i >> 8), 1}, 0, 3);
    }

    @Test
    void staysWithinItsBudgetAndDropsTheOldestFirst() {
        BlockCache c = new BlockCache(64 * 10_000L);
        List<Score> scores = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            Score s = score(i);
            scores.add(s);
            c.put(s, new byte[4096]);
            assertNotNull(c.get(s), "the newest block is missing at " + i);
        }
        assertTrue(c.bytes() <= 64 * 10_000L, "over budget: " + c.bytes());
        int held = 0;
        for (Score s : scores)
            if (c.get(s) != null) held++;
        assertTrue(held > 50 && held < 2000, "held " + held);
        assertNull(c.get(scores.get(0)), "the oldest block was kept");
        assertNotNull(c.get(scores.get(1999)));
    }

    @Test
    void aZeroBudgetHoldsNothingAndTheFirstPutWins() {
        BlockCache off = new BlockCache(0);
        off.put(score(1), new byte[1]);
        assertNull(off.get(score(1)));
        BlockCache c = new BlockCache(1 << 20);
        byte[] first = new byte[10];
        c.put(score(2), first);
        c.put(score(2), new byte[10]);
        assertSame(first, c.get(score(2)));
    }
}
