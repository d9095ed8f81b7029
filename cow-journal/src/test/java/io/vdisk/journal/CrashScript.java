package io.vdisk.journal;

import java.util.Random;

/**
 * The deterministic operation stream of one crash-test round: the child JVM executes it, the
 * parent regenerates it from the same seed to know what each write put where. Not thread-safe.
 */
final class CrashScript {
    static final int BS = 4096;
    static final int SIZE = 1 << 20;

    enum Kind {
        WRITE, ZERO, FLUSH, SEAL_COMMIT_RELEASE
    }

    record Op(Kind kind, int index, int offset, int length, long dataSeed) {
        byte[] data() {
            byte[] d = new byte[length];
            if (kind == Kind.WRITE) {
                new Random(dataSeed).nextBytes(d);
            }
            return d;
        }
    }

    /** Default share of SEAL_COMMIT_RELEASE ops, in percent. */
    static final int SEAL_PERCENT = 2;

    private final Random rnd;
    private final int sealPercent;
    private int writes;

    CrashScript(long seed) {
        this(seed, SEAL_PERCENT);
    }

    /** {@code sealPercent} of the ops seal, commit and release (so logs get recycled). */
    CrashScript(long seed, int sealPercent) {
        this.rnd = new Random(seed);
        this.sealPercent = sealPercent;
    }

    /** Next op; WRITE and ZERO ops are numbered 1, 2, ... in {@link Op#index()}. */
    Op next() {
        int r = rnd.nextInt(100);
        if (r < 12) {
            return new Op(Kind.FLUSH, writes, 0, 0, 0);
        }
        if (r < 12 + sealPercent) {
            return new Op(Kind.SEAL_COMMIT_RELEASE, writes, 0, 0, 0);
        }
        int off = rnd.nextBoolean() ? rnd.nextInt(SIZE / BS) * BS : rnd.nextInt(SIZE);
        int len = Math.min(SIZE - off, rnd.nextBoolean()
            ? BS * (1 + rnd.nextInt(64))
            : 1 + rnd.nextInt(3 * BS));
        return new Op(r < 18 + sealPercent ? Kind.ZERO : Kind.WRITE, ++writes, off, len,
            rnd.nextLong());
    }
}
