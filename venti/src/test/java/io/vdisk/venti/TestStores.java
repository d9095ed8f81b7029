package io.vdisk.venti;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/** Test kit: seeded data and tiny-limit stores that force rollover paths. */
final class TestStores {
    private TestStores() {
    }

    /** XORs the byte at {@code at} of {@code file} with {@code mask}: damage, in one place. */
    static void flip(Path file, long at, int mask) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ mask);
        }
    }

    /** A disk store whose arenas roll over every 64 KiB. */
    static DiskBlockStore tinyDisk(Path dir) throws IOException {
        return DiskBlockStore.open(dir, DiskBlockStore.Options.defaults().withMaxArenaSize(64 << 10)
            .withIndexCommitRecords(50));
    }

    /** Bytes that compress a little, like real disk data: runs, text and noise. */
    static byte[] mixedBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        int i = 0;
        while (i < n) {
            int run = Math.min(n - i, 1 + rnd.nextInt(300));
            switch (rnd.nextInt(3)) {
                case 0 -> java.util.Arrays.fill(b, i, i + run, (byte) rnd.nextInt(4));
                case 1 -> {
                    for (int j = 0; j < run; j++)
                        b[i + j] = (byte) ('a' + rnd.nextInt(20));
                }
                default -> {
                    for (int j = 0; j < run; j++)
                        b[i + j] = (byte) rnd.nextInt();
                }
            }
            i += run;
        }
        return b;
    }
}
