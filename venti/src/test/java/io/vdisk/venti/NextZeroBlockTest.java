package io.vdisk.venti;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** nextZeroBlock, which reads pointer blocks whole, agrees with a block-by-block scan. */
class NextZeroBlockTest {
    @Test
    void agreesWithScanningBlockScores() throws Exception {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        MemoryBlockStore store = new MemoryBlockStore();
        for (int round = 0; round < 20; round++) {
            // psize 60: fanout 3, so a few hundred blocks make a tree several levels deep
            TreeWriter w = new TreeWriter(store, 60, 512, false);
            int blocks = 1 + r.nextInt(400);
            double holes = r.nextDouble();
            byte[] b = new byte[512];
            for (int i = 0; i < blocks; i++) {
                if (r.nextDouble() < holes) {
                    w.append(new byte[512], 0, 512);
                } else {
                    r.nextBytes(b);
                    w.append(b, 0, 512);
                }
            }
            TreeReader reader = new TreeReader(store, w.finish(512L * blocks));
            for (int q = 0; q < 200; q++) {
                long from = r.nextInt(blocks + 2);
                long limit = from + r.nextInt(blocks + 2);
                long expected = Math.min(limit, reader.blockCount());
                for (long i = from; i < expected; i++) {
                    if (reader.blockScore(i).isZero()) {
                        expected = i;
                        break;
                    }
                }
                assertEquals(Math.max(from, Math.min(expected, limit)) == from && from >= expected
                    ? expected
                    : expected, reader.nextZeroBlock(from, limit),
                    "seed " + seed + ": from " + from + " limit " + limit + " of " + blocks);
            }
        }
    }
}
