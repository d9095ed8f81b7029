package io.vdisk.journal;

import java.util.Objects;

/**
 * Tuning of a {@link Journal}. Immutable and thread-safe; build with {@link #builder()}.
 */
public final class JournalOptions {
    private static final Runnable NO_OP = () -> {
    };

    private final int blockSize;
    private final long maxDirtyBytes;
    private final long flushWantedBytes;
    private final Runnable flushWanted;
    private final boolean sync;

    private JournalOptions(Builder b) {
        this.blockSize = b.blockSize;
        this.maxDirtyBytes = b.maxDirtyBytes;
        this.flushWantedBytes = b.flushWantedBytes < 0 ? b.maxDirtyBytes / 4 : b.flushWantedBytes;
        this.flushWanted = b.flushWanted;
        this.sync = b.sync;
    }

    public static JournalOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Journal block size in bytes: a power of two from 512 to 65536. Default 4096. */
    public int blockSize() {
        return blockSize;
    }

    /**
     * Back-pressure threshold on {@link Journal#dirtyBytes()}: at or above it writers wait until
     * a release brings it down. Default 1 GiB.
     */
    public long maxDirtyBytes() {
        return maxDirtyBytes;
    }

    /** Soft threshold at which {@link #flushWanted()} runs. Default a quarter of the maximum. */
    public long flushWantedBytes() {
        return flushWantedBytes;
    }

    /**
     * Called (on a writer's thread, outside every journal lock, so it must not block for long)
     * when dirty bytes cross {@link #flushWantedBytes()} and whenever a writer starts to wait.
     */
    public Runnable flushWanted() {
        return flushWanted;
    }

    /** Whether flush/seal/release really call fdatasync. Only tests turn this off. */
    public boolean sync() {
        return sync;
    }

    /** Not thread-safe; use from one thread. */
    public static final class Builder {
        private int blockSize = 4096;
        private long maxDirtyBytes = 1L << 30;
        private long flushWantedBytes = -1;
        private Runnable flushWanted = NO_OP;
        private boolean sync = true;

        private Builder() {
        }

        public Builder blockSize(int blockSize) {
            if (blockSize < 512 || blockSize > 65536 || Integer.bitCount(blockSize) != 1) {
                throw new IllegalArgumentException(
                    "block size must be a power of two in 512..65536: " + blockSize);
            }
            this.blockSize = blockSize;
            return this;
        }

        public Builder maxDirtyBytes(long maxDirtyBytes) {
            if (maxDirtyBytes <= 0) {
                throw new IllegalArgumentException("maxDirtyBytes must be positive");
            }
            this.maxDirtyBytes = maxDirtyBytes;
            return this;
        }

        public Builder flushWantedBytes(long flushWantedBytes) {
            if (flushWantedBytes < 0) {
                throw new IllegalArgumentException("flushWantedBytes must not be negative");
            }
            this.flushWantedBytes = flushWantedBytes;
            return this;
        }

        public Builder flushWanted(Runnable callback) {
            this.flushWanted = Objects.requireNonNull(callback);
            return this;
        }

        public Builder sync(boolean sync) {
            this.sync = sync;
            return this;
        }

        public JournalOptions build() {
            return new JournalOptions(this);
        }
    }
}
