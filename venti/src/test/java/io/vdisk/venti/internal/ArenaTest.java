package io.vdisk.venti.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads see appends whether they sit in the file, in the write-behind buffer, or across both. */
class ArenaTest {
    @TempDir
    Path tmp;

    @Test
    void readsSpanTheFileAndTheBuffer() throws Exception {
        spanAndReadBack();
    }

    /** The fallback where the file system refuses O_DIRECT. */
    @Test
    void bufferedAppendsWhenDirectIsOff() throws Exception {
        System.setProperty("vdisk.arena.buffered", "true");
        try {
            spanAndReadBack();
        } finally {
            System.clearProperty("vdisk.arena.buffered");
        }
    }

    private void spanAndReadBack() throws Exception {
        Random r = new Random(9);
        byte[] model = new byte[2 << 20];
        r.nextBytes(model);
        try (Arena a = Arena.create(tmp, 0, 0)) {
            int pos = 0;
            long base = a.end();
            while (pos < model.length) {
                int n = Math.min(model.length - pos,
                    1 + r.nextInt(r.nextBoolean() ? 3000 : 400_000));
                assertEquals(base + pos, a.append(ByteBuffer.wrap(model, pos, n)));
                pos += n;
                if (r.nextInt(5) == 0) a.writeOut();
                // a read from anywhere before the end, of any length, past the end too
                int from = r.nextInt(pos);
                int len = 1 + r.nextInt(20_000);
                ByteBuffer dst = ByteBuffer.allocate(len);
                a.read(dst, base + from);
                int got = Math.min(len, pos - from);
                assertEquals(got, dst.position(), "read " + len + " at " + from + " of " + pos);
                assertArrayEquals(Arrays.copyOfRange(model, from, from + got),
                    Arrays.copyOf(dst.array(), got));
            }
            a.force();
            assertEquals(base + model.length, a.end());
            // direct writes pad the last block; close cuts the padding
            assertTrue(Files.size(tmp.resolve(Arena.fileName(0))) >= base + model.length);
        }
        assertEquals(Arena.HEADER_SIZE + model.length,
            Files.size(tmp.resolve(Arena.fileName(0))));
        byte[] back = Arrays.copyOfRange(Files.readAllBytes(tmp.resolve(Arena.fileName(0))),
            Arena.HEADER_SIZE, Arena.HEADER_SIZE + model.length);
        assertArrayEquals(model, back);
    }
}
