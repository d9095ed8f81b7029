package io.vdisk.flusher;

import io.vdisk.journal.Generation;
import io.vdisk.journal.JournalOptions;
import io.vdisk.venti.DiskBlockStore;
import io.vdisk.venti.Score;
import io.vdisk.venti.StoreStats;
import io.vdisk.venti.TreeWriter;
import io.vdisk.venti.VtEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * End-to-end flush benchmark (run by {@code flusher/bench/run.sh}): random 4 KiB writes into a
 * live image on a real store and journal, then one flush, timed; then the same final content
 * built from scratch with {@link TreeWriter} into a fresh store (what an import costs), timed,
 * and the ratio of the two throughputs. Both end with a store sync.
 *
 * <p>Usage: {@code FlushBench DIR [GiB of writes, default 1] [image GiB, default 4]}. Not
 * thread-safe; a command-line entry point.
 */
public final class FlushBench {
    private static final int BLOCK = 4096;

    private FlushBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/flush-bench");
        double writeGiB = args.length > 1 ? Double.parseDouble(args[1]) : 1;
        long imageSize = (long) ((args.length > 2 ? Double.parseDouble(args[2]) : 4) * (1L << 30));
        long writes = (long) (writeGiB * (1L << 30)) / BLOCK;
        int blocks = (int) (imageSize / BLOCK);
        deleteTree(dir);
        Files.createDirectories(dir);
        long seed = 20260105L;
        warmUp(dir.resolve("warm-up"));
        // lastWrite[b] = 1 + index of the last write to block b (0 = never written)
        long[] lastWrite = new long[blocks];
        JournalOptions opts = JournalOptions.builder().maxDirtyBytes(4L << 30)
            .flushWantedBytes(4L << 30).build();
        double flushSeconds;
        long committed;
        StoreStats stats;
        try (TestImage img = Fixture.image(dir.resolve("image"), DiskBlockStore.open(dir
            .resolve("store")), imageSize, opts)) {
            SplittableRandom pick = new SplittableRandom(seed);
            byte[] buf = new byte[BLOCK];
            long t0 = System.nanoTime();
            for (long i = 0; i < writes; i++) {
                int b = pick.nextInt(blocks);
                lastWrite[b] = i + 1;
                content(seed, i, buf);
                img.journal().write((long) b * BLOCK, ByteBuffer.wrap(buf));
            }
            img.journal().flush();
            double writeSeconds = seconds(t0);
            committed = img.journal().pendingGeneration().isPresent() ? -1 : distinct(lastWrite);
            System.out.printf("writes:  %,d random 4 KiB writes (%,d distinct blocks) into a %s"
                + " image: %.1f s, %.0f MiB/s into the journal%n", writes, committed,
                gib(imageSize), writeSeconds, writes * (double) BLOCK / (1 << 20) / writeSeconds);
            // the hook timestamps each step of the commit for a breakdown
            java.util.Map<CrashHook.Step, Long> at = new java.util.EnumMap<>(CrashHook.Step.class);
            Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC,
                step -> at.put(step, System.nanoTime()));
            long t1 = System.nanoTime();
            // a breakdown: sealing, then one pass reading the generation's blocks back
            Generation gen = img.journal().seal();
            double sealSeconds = seconds(t1);
            long ts = System.nanoTime();
            long[] sum = {0};
            gen.forEachBlock((no, content) -> sum[0] += content == null ? 0 : content.get(0));
            System.out.printf("breakdown: seal %.2f s; a separate pass reading the sealed blocks"
                + " %.2f s (not counted)%n", sealSeconds, seconds(ts));
            ts = System.nanoTime();
            Score head = flusher.flush(img);
            long end = System.nanoTime();
            flushSeconds = sealSeconds + (end - ts) / 1e9; // seal + commit, not the extra pass
            long prev = ts;
            StringBuilder sb = new StringBuilder("breakdown:");
            for (java.util.Map.Entry<CrashHook.Step, Long> e : at.entrySet()) {
                sb.append(String.format(" %s +%.2f s,", e.getKey(), (e.getValue() - prev)
                    / 1e9));
                prev = e.getValue();
            }
            System.out.println(sb.append(String.format(" release +%.2f s", (end - prev) / 1e9)));
            stats = img.store().stats();
            System.out.printf("flush:   %.2f s, %.0f MiB/s of dirty blocks (%,d blocks -> %s)%n",
                flushSeconds, committed * (double) BLOCK / (1 << 20) / flushSeconds, committed,
                head.abbreviated(12));
        }
        System.out.printf("store:   %,d blocks, %.0f MiB unique, %.0f MiB on disk%n",
            stats.blocks(), stats.uniqueBytes() / 1048576.0, stats.storedBytes() / 1048576.0);
        // the same content from scratch: every block in order, holes as zero scores
        double importSeconds;
        try (DiskBlockStore fresh = DiskBlockStore.open(dir.resolve("import-store"))) {
            byte[] buf = new byte[BLOCK];
            long t2 = System.nanoTime();
            TreeWriter w = new TreeWriter(fresh, TestImage.PSIZE, BLOCK, false);
            for (int b = 0; b < blocks; b++) {
                if (lastWrite[b] == 0) {
                    w.appendScore(Score.ZERO);
                } else {
                    content(seed, lastWrite[b] - 1, buf);
                    w.append(buf, 0, BLOCK);
                }
            }
            VtEntry e = w.finish(imageSize);
            fresh.sync();
            importSeconds = seconds(t2);
            System.out.printf("import:  %.2f s, %.0f MiB/s of data blocks (TreeWriter from"
                + " scratch, top %s)%n", importSeconds,
                committed * (double) BLOCK / (1 << 20)
                    / importSeconds,
                e.score().abbreviated(12));
        }
        System.out.printf("ratio:   flush throughput / import throughput = %.2f%n",
            importSeconds / flushSeconds);
        deleteTree(dir);
    }

    /** JIT warm-up of the store, hashing and tree paths both measured runs use. */
    private static void warmUp(Path dir) throws IOException {
        try (DiskBlockStore s = DiskBlockStore.open(dir)) {
            TreeWriter w = new TreeWriter(s, TestImage.PSIZE, BLOCK, false);
            byte[] buf = new byte[BLOCK];
            for (int i = 0; i < 16384; i++) {
                content(-1, i, buf);
                w.append(buf, 0, BLOCK);
            }
            w.finish(16384L * BLOCK);
            s.sync();
        }
        deleteTree(dir);
    }

    /** The bytes of write {@code i}: seeded random, so the import can regenerate them. */
    private static void content(long seed, long i, byte[] buf) {
        SplittableRandom r = new SplittableRandom(seed * 31 + i);
        for (int at = 0; at < buf.length; at += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8; k++) {
                buf[at + k] = (byte) (v >>> (8 * k));
            }
        }
    }

    private static long distinct(long[] lastWrite) {
        return Arrays.stream(lastWrite).filter(v -> v != 0).count();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String gib(long n) {
        return n / (1L << 30) + " GiB";
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
