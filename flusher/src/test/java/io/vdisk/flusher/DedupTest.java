package io.vdisk.flusher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.journal.JournalOptions;
import io.vdisk.venti.BlockStore;
import io.vdisk.venti.DiskBlockStore;
import io.vdisk.venti.Score;
import io.vdisk.venti.StoreStats;
import io.vdisk.venti.TreeReader;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data already in the store costs nothing again: a guest rewriting or copying blocks it has, or
 * a second image receiving the same blocks, adds no data block; only the few pointer blocks on
 * the changed paths and the root's own blocks are new.
 */
class DedupTest {
    private static final long SIZE = 8L << 20;
    private static final int DATA = 1 << 20; // 256 blocks
    /** Root, directory and metadata blocks, plus pointer blocks on changed paths (depth 2). */
    private static final long MAX_NEW_BLOCKS = 3 + 8;

    @TempDir
    Path tmp;

    private final Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC);
    private final JournalOptions opts = JournalOptions.builder().sync(false).build();

    @Test
    void rewritingStoredDataAddsNoDataBlocks() throws Exception {
        BlockStore store = DiskBlockStore.open(tmp.resolve("store"),
            DiskBlockStore.Options.defaults().withFsync(false));
        try (TestImage a = Fixture.image(tmp.resolve("a"), store, SIZE, opts)) {
            byte[] data = Fixture.random(42, DATA);
            Fixture.write(a, 0, data);
            Score first = flusher.flush(a);
            StoreStats before = store.stats();
            Set<Score> known = leaves(a, first);

            // the guest rewrites the same bytes and copies them 4 MiB further on
            Fixture.write(a, 0, data);
            Fixture.write(a, 4L << 20, data);
            Score second = flusher.flush(a);
            StoreStats after = store.stats();
            assertTrue(known.containsAll(leaves(a, second)), "no new data leaf");
            long newBlocks = after.blocks() - before.blocks();
            assertTrue(newBlocks <= MAX_NEW_BLOCKS, newBlocks + " new blocks");
            assertTrue(after.uniqueBytes() - before.uniqueBytes() < 64 << 10,
                after.uniqueBytes() - before.uniqueBytes() + " new bytes for " + 2 * DATA
                    + " written");
            byte[] all = a.readRoot(second);
            assertArrayEquals(data, Arrays.copyOfRange(all, 4 << 20, (4 << 20) + DATA));
        }
    }

    @Test
    void aSecondImageReceivingTheSameBlocksAddsNoDataBlocks() throws Exception {
        BlockStore store = DiskBlockStore.open(tmp.resolve("store"),
            DiskBlockStore.Options.defaults().withFsync(false));
        TestImage a = Fixture.image(tmp.resolve("a"), store, SIZE, opts);
        byte[] data = Fixture.random(43, DATA);
        Fixture.write(a, 0, data);
        Set<Score> known = leaves(a, flusher.flush(a));
        a.journal().close(); // the store stays open for b, which closes it
        try (TestImage b = Fixture.image(tmp.resolve("b"), store, SIZE, opts)) {
            StoreStats before = store.stats();
            Fixture.write(b, 0, data);
            Score head = flusher.flush(b);
            StoreStats after = store.stats();
            assertTrue(known.containsAll(leaves(b, head)));
            assertTrue(after.blocks() - before.blocks() <= MAX_NEW_BLOCKS,
                after.blocks() - before.blocks() + " new blocks");
        }
    }

    /** The data block scores of the tree a root names. */
    private static Set<Score> leaves(TestImage img, Score root) throws Exception {
        TreeReader r = new TreeReader(img.store(), img.load(root).data());
        Set<Score> out = new HashSet<>();
        for (long i = r.nextNonZeroBlock(0); i < r.blockCount(); i = r.nextNonZeroBlock(i + 1)) {
            out.add(r.blockScore(i));
        }
        return out;
    }
}
