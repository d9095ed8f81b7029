package io.vdisk.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

/** Helpers shared by the journal tests. Stateless; thread-safe. */
final class JournalTestKit {
    private JournalTestKit() {
    }

    static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    static JournalOptions fastOptions(int blockSize) {
        return JournalOptions.builder().blockSize(blockSize).sync(false).build();
    }

    static byte[] readAll(Journal j) throws IOException {
        byte[] out = new byte[(int) j.size()];
        ByteBuffer dst = ByteBuffer.wrap(out);
        while (dst.hasRemaining()) {
            j.read(dst.position(), dst);
        }
        return out;
    }

    static byte[] readAll(Generation g) throws IOException {
        byte[] out = new byte[(int) g.size()];
        g.read(0, ByteBuffer.wrap(out));
        return out;
    }

    /** What a flusher builds from g over {@code base}: the contract on {@link Generation}. */
    static byte[] applyGeneration(Generation g, byte[] base) throws IOException {
        byte[] out = Arrays.copyOf(base, (int) g.size());
        for (long i = g.minSize(); i < out.length; i++) {
            out[(int) i] = 0;
        }
        int bs = g.blockSize();
        g.forEachBlock((block, content) -> {
            int at = (int) (block * bs);
            int n = Math.min(bs, out.length - at);
            if (content == null) {
                Arrays.fill(out, at, at + n, (byte) 0);
            } else {
                assertEquals(bs, content.remaining());
                content.get(out, at, n);
            }
        });
        return out;
    }

    static void assertContent(String why, byte[] expected, Journal j) throws IOException {
        assertEquals(expected.length, j.size(), why + ": size");
        assertArrayEquals(expected, readAll(j), why);
    }

    /** Copies a live journal directory: what a kill -9 at this instant would leave on disk. */
    static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(".log")) {
                    Files.copy(p, to.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
