package io.vdisk.flusher;

import io.vdisk.journal.JournalOptions;
import io.vdisk.venti.BlockStore;
import io.vdisk.venti.MemoryBlockStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;

/** Shared set-up of the flusher tests: seeded data and small images. Thread-safe (stateless). */
final class Fixture {
    static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");

    private Fixture() {
    }

    /** A fresh zero image of {@code size} bytes in memory, journal without fdatasync. */
    static TestImage memoryImage(Path dir, long size) throws IOException {
        return image(dir, new MemoryBlockStore(), size, JournalOptions.builder().sync(false)
            .build());
    }

    static TestImage image(Path dir, BlockStore store, long size, JournalOptions opts)
        throws IOException {
        return image(dir, store, size, opts, T0);
    }

    static TestImage image(Path dir, BlockStore store, long size, JournalOptions opts,
        Instant created) throws IOException {
        TestImage.create(dir, store, size, created);
        return TestImage.open(dir, store, opts);
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static void write(TestImage img, long offset, byte[] data) throws IOException {
        img.journal().write(offset, ByteBuffer.wrap(data));
    }
}
