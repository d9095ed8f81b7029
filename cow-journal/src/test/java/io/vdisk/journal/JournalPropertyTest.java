package io.vdisk.journal;

import static io.vdisk.journal.JournalTestKit.applyGeneration;
import static io.vdisk.journal.JournalTestKit.assertContent;
import static io.vdisk.journal.JournalTestKit.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random operations against a byte-array model: writes and zeroes of random lengths and
 * alignments, resizes, seals, releases (the model base becomes what a flusher would build from
 * the generation), discards, rebases and reopenings. Every step is followed by a read check.
 */
class JournalPropertyTest {
    private static final int STEPS = 400;

    static long[] seeds() {
        long[] s = new long[24];
        for (int i = 0; i < s.length; i++) {
            s[i] = 0x5EED0000L + i * 7919L;
        }
        return s;
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void matchesByteArrayModel(long seed, @TempDir Path dir) throws Exception {
        try {
            run(seed, dir);
        } catch (Throwable t) {
            throw new AssertionError("JournalPropertyTest failed with seed " + seed, t);
        }
    }

    private static void run(long seed, Path dir) throws Exception {
        Random rnd = new Random(seed);
        int bs = 512 << rnd.nextInt(4);
        JournalOptions opts = JournalTestKit.fastOptions(bs);
        byte[] base = new byte[rnd.nextInt(24 * bs) + (rnd.nextBoolean() ? 0 : 7)];
        rnd.nextBytes(base);
        int tagNo = 0;
        byte[] model = base.clone();
        byte[] sealedModel = null;
        Journal j = Journal.open(dir, new ByteArrayBase(base), "t0", opts);
        try {
            for (int step = 0; step < STEPS; step++) {
                String what;
                int op = rnd.nextInt(100);
                if (op < 40 && model.length > 0) {
                    int[] r = range(rnd, model.length, bs);
                    byte[] data = new byte[r[1]];
                    rnd.nextBytes(data);
                    j.write(r[0], pieces(rnd, data));
                    System.arraycopy(data, 0, model, r[0], r[1]);
                    what = "write " + r[0] + "+" + r[1];
                } else if (op < 52 && model.length > 0) {
                    int[] r = range(rnd, model.length, bs);
                    j.zero(r[0], r[1]);
                    Arrays.fill(model, r[0], r[0] + r[1], (byte) 0);
                    what = "zero " + r[0] + "+" + r[1];
                } else if (op < 62) {
                    int newSize = rnd.nextInt(32 * bs) + (rnd.nextBoolean() ? 0 : rnd.nextInt(bs));
                    j.resize(newSize);
                    model = Arrays.copyOf(model, newSize);
                    what = "resize " + newSize;
                } else if (op < 70) {
                    if (sealedModel != null) {
                        assertThrows(IllegalStateException.class, j::seal);
                        what = "seal refused";
                    } else {
                        Generation g = j.seal();
                        assertEquals("t" + tagNo, g.baseTag());
                        assertEquals(model.length, g.size());
                        sealedModel = model.clone();
                        assertArrayEquals(sealedModel, readAll(g), "generation view after seal");
                        what = "seal " + g.sequence();
                    }
                } else if (op < 80 && sealedModel != null) {
                    Generation g = j.pendingGeneration().orElseThrow();
                    assertArrayEquals(sealedModel, readAll(g), "generation view before release");
                    byte[] committed = applyGeneration(g, base);
                    assertArrayEquals(sealedModel, committed, "generation applied onto its base");
                    base = committed;
                    tagNo++;
                    j.release(g, new ByteArrayBase(base), "t" + tagNo);
                    assertThrows(IllegalStateException.class, () -> readAll(g));
                    sealedModel = null;
                    what = "release -> t" + tagNo;
                } else if (op < 86) {
                    j.flush();
                    what = "flush";
                } else if (op < 91) {
                    j.close();
                    j.close(); // idempotent
                    j = Journal.open(dir, new ByteArrayBase(base), "t" + tagNo, opts);
                    Optional<Generation> p = j.pendingGeneration();
                    assertEquals(sealedModel != null, p.isPresent(), "pending after reopen");
                    if (p.isPresent()) {
                        assertArrayEquals(sealedModel, readAll(p.get()), "pending view");
                    }
                    what = "reopen";
                } else if (op < 94) {
                    j.discard();
                    sealedModel = null;
                    model = base.clone();
                    what = "discard";
                } else if (op < 97 && sealedModel == null && j.dirtyBytes() == 0) {
                    base = new byte[rnd.nextInt(16 * bs)];
                    rnd.nextBytes(base);
                    tagNo++;
                    j.rebase(new ByteArrayBase(base), "t" + tagNo);
                    model = base.clone();
                    what = "rebase -> t" + tagNo;
                } else {
                    what = "dirty " + j.dirtyBytes();
                    assertTrue(j.dirtyBytes() >= 0);
                }
                checkRandomRead(rnd, j, model, "step " + step + " (" + what + ")");
                if (step % 25 == 0) {
                    assertContent("step " + step + " (" + what + ") full read", model, j);
                }
            }
            assertContent("final", model, j);
        } finally {
            j.close();
        }
    }

    private static void checkRandomRead(Random rnd, Journal j, byte[] model, String why)
        throws Exception {
        assertEquals(model.length, j.size(), why + ": size");
        int off = model.length == 0 ? 0 : rnd.nextInt(model.length + 1);
        int len = rnd.nextInt(4 * j.blockSize());
        ByteBuffer dst = ByteBuffer.allocate(len);
        int n = j.read(off, dst);
        int expected = Math.min(len, model.length - off);
        if (expected == 0 && len > 0) {
            assertEquals(-1, n, why + ": read at end");
            return;
        }
        assertEquals(expected, n, why + ": read length");
        assertArrayEquals(Arrays.copyOfRange(model, off, off + n),
            Arrays.copyOf(dst.array(), n), why + ": read " + off + "+" + n);
    }

    /**
     * {@code data} cut at random points into heap and direct buffers, some of them empty, as a
     * socket delivers a write: the journal must take whole blocks across the cuts.
     */
    private static ByteBuffer[] pieces(Random rnd, byte[] data) {
        int n = rnd.nextInt(4) == 0 ? 1 : 1 + rnd.nextInt(6);
        int[] cuts = new int[n + 1];
        cuts[n] = data.length;
        for (int i = 1; i < n; i++)
            cuts[i] = rnd.nextInt(data.length + 1);
        Arrays.sort(cuts);
        ByteBuffer[] out = new ByteBuffer[n];
        for (int i = 0; i < n; i++) {
            int len = cuts[i + 1] - cuts[i];
            ByteBuffer b = rnd.nextBoolean()
                ? ByteBuffer.allocateDirect(len + 3)
                : ByteBuffer.allocate(len + 3);
            b.position(3); // a piece need not start at its buffer's start
            b.put(data, cuts[i], len).position(3);
            out[i] = b;
        }
        return out;
    }

    /** A random range inside [0, size): often block-aligned, sometimes tiny, sometimes long. */
    private static int[] range(Random rnd, int size, int bs) {
        int off;
        int len;
        switch (rnd.nextInt(4)) {
            case 0 -> {
                off = rnd.nextInt(size / bs + 1) * bs;
                len = rnd.nextInt(4) * bs;
            }
            case 1 -> {
                off = rnd.nextInt(size);
                len = rnd.nextInt(16) + 1;
            }
            default -> {
                off = rnd.nextInt(size);
                len = rnd.nextInt(6 * bs);
            }
        }
        off = Math.min(off, size);
        len = Math.min(len, size - off);
        return new int[]{off, len};
    }
}
