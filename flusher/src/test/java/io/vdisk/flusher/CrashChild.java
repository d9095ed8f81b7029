package io.vdisk.flusher;

import io.vdisk.journal.JournalOptions;
import io.vdisk.venti.DiskBlockStore;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;

/**
 * The process {@link FlusherCrashTest} kills: writes the workload into a real image, reports
 * each journal flush ("F n": writes 1..n are durable) and commits every few batches. With a
 * step argument it prints "AT step" when the nth commit reaches that step and then sleeps until
 * killed.
 *
 * <p>Usage: {@code CrashChild DIR SEED STEP|random NTH}
 */
public final class CrashChild {
    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        CrashHook.Step stop = args[2].equals("random") ? null : CrashHook.Step.valueOf(args[2]);
        int nth = Integer.parseInt(args[3]);
        PrintStream out = System.out;
        int[] seen = {0};
        CrashHook hook = step -> {
            if (step == stop && ++seen[0] == nth) {
                out.println("AT " + step);
                out.flush();
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        DiskBlockStore store = DiskBlockStore.open(dir.resolve("store"),
            DiskBlockStore.Options.defaults().withMaxArenaSize(16 << 20));
        if (!Files.exists(TestImage.pointerOf(dir))) {
            TestImage.create(dir, store, CrashWorkload.SIZE, Clock.systemUTC().instant());
        }
        TestImage img = TestImage.open(dir, store, JournalOptions.defaults());
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneOffset.UTC, hook);
        CrashWorkload w = new CrashWorkload(seed);
        out.println("READY");
        for (int batch = 1;; batch++) {
            int last = 0;
            for (int i = 0; i < CrashWorkload.BATCH; i++) {
                CrashWorkload.Op op = w.next();
                img.journal().write(op.offset(), ByteBuffer.wrap(op.data()));
                last = op.index();
            }
            img.journal().flush();
            out.println("F " + last);
            out.flush();
            if (batch % 3 == 0) {
                flusher.flush(img);
            } else if (batch % 7 == 0) {
                flusher.snapshot(img, "batch " + batch);
            }
        }
    }
}
