package io.vdisk.journal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writers wait at maxDirtyBytes, the flush-wanted callback fires, a release lets them go. */
class JournalBackPressureTest {
    private static final int BS = 4096;

    @TempDir
    Path dir;

    @Test
    void writerWaitsUntilReleaseAndFlushIsAskedFor() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        JournalOptions opts = JournalOptions.builder().blockSize(BS).sync(false)
            .maxDirtyBytes(8 * BS).flushWantedBytes(4 * BS).flushWanted(asked::incrementAndGet)
            .build();
        try (Journal j = Journal.open(dir, BaseImage.zeros(64 * BS), "t0", opts)) {
            byte[] block = new byte[BS];
            for (int i = 0; j.dirtyBytes() < 8 * BS; i++) {
                j.write((long) i * BS, ByteBuffer.wrap(block));
            }
            assertTrue(asked.get() >= 1, "flush wanted after crossing the soft threshold");
            Generation g = j.seal();
            int before = asked.get();
            byte[] last = new byte[BS];
            last[0] = 42;
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
                try {
                    j.write(63L * BS, ByteBuffer.wrap(last));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            await().forever().until(() -> asked.get() > before); // the waiting writer asked
            assertTrue(!blocked.isDone(), "writer must wait while the journal is full");
            j.release(g, BaseImage.zeros(64 * BS), "t1");
            blocked.get();
            ByteBuffer back = ByteBuffer.allocate(BS);
            j.read(63L * BS, back);
            assertArrayEquals(last, back.array());
        }
    }

    @Test
    void limitsChangedWhileOpenTakeEffectAtOnce() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        JournalOptions opts = JournalOptions.builder().blockSize(BS).sync(false)
            .maxDirtyBytes(64 * BS).flushWantedBytes(32 * BS).flushWanted(asked::incrementAndGet)
            .build();
        try (Journal j = Journal.open(dir, BaseImage.zeros(64 * BS), "t0", opts)) {
            byte[] block = new byte[BS];
            for (int i = 0; i < 4; i++)
                j.write((long) i * BS, ByteBuffer.wrap(block));
            assertEquals(0, asked.get(), "below the first threshold");
            j.dirtyLimits(2 * BS, 64 * BS);
            j.write(10L * BS, ByteBuffer.wrap(block));
            assertEquals(1, asked.get(), "the lowered threshold was not used");
            // a writer waiting at the old maximum goes on once the maximum is raised
            j.dirtyLimits(2 * BS, 6 * BS);
            CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 20; i < 30; i++)
                        j.write((long) i * BS, ByteBuffer.wrap(block));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            await().forever().until(() -> j.dirtyBytes() >= 6 * BS);
            assertTrue(!blocked.isDone(), "writer must wait at the lowered maximum");
            j.dirtyLimits(2 * BS, 64 * BS);
            blocked.get();
        }
    }
}
