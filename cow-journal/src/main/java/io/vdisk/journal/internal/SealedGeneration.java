package io.vdisk.journal.internal;

import io.vdisk.journal.BaseImage;
import io.vdisk.journal.BlockVisitor;
import io.vdisk.journal.Generation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The flusher's handle on a sealed generation. The log under it is immutable, so readers only
 * need protection from a concurrent release, which {@link #invalidate()} provides: it waits for
 * running readers and makes later calls fail.
 *
 * <p>
 * Thread-safe.
 */
public final class SealedGeneration implements Generation {
    /** Bytes read from the log at once by {@link #forEachBlock}: a whole DATA record. */
    private static final int READ_CHUNK = LogFormat.MAX_DATA_PAYLOAD;

    private final GenerationLog log;
    private final BaseImage base;
    private final ReentrantReadWriteLock guard = new ReentrantReadWriteLock();
    private boolean released; // guarded by guard

    public SealedGeneration(GenerationLog log, BaseImage base) {
        this.log = log;
        this.base = base;
    }

    public GenerationLog log() {
        return log;
    }

    @Override
    public long sequence() {
        return log.sequence();
    }

    @Override
    public String baseTag() {
        return log.sealTag();
    }

    @Override
    public long size() {
        return log.size();
    }

    @Override
    public long minSize() {
        return log.minSize();
    }

    @Override
    public int blockSize() {
        return log.blockSize();
    }

    @Override
    public long blockCount() {
        enter();
        try {
            return log.index().count();
        } finally {
            guard.readLock().unlock();
        }
    }

    @Override
    public void forEachBlock(BlockVisitor visitor) throws IOException {
        enter();
        try {
            int bs = log.blockSize();
            ByteBuffer chunk = null;
            for (BlockIndex.Extent x : log.index().extents()) {
                if (x.isZero()) {
                    for (long b = x.start(); b < x.end(); b++) {
                        visitor.visit(b, null);
                    }
                    continue;
                }
                if (chunk == null) {
                    chunk = ByteBuffer.allocateDirect(READ_CHUNK);
                }
                // payloads of an extent are contiguous: read many blocks per call
                for (long b = x.start(); b < x.end();) {
                    int n = (int) Math.min(x.end() - b, READ_CHUNK / bs);
                    chunk.clear().limit(n * bs);
                    log.readPayload(x.position() + (b - x.start()) * bs, chunk);
                    for (int i = 0; i < n; i++) {
                        visitor.visit(b + i, chunk.slice(i * bs, bs).asReadOnlyBuffer());
                    }
                    b += n;
                }
            }
        } finally {
            guard.readLock().unlock();
        }
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        enter();
        try {
            Layers.read(new GenerationLog[]{log}, base, log.blockSize(), offset, dst);
        } finally {
            guard.readLock().unlock();
        }
    }

    /** Waits for readers to finish; afterwards every method throws. */
    public void invalidate() {
        if (guard.getReadHoldCount() > 0) {
            throw new IllegalStateException("release called from inside a generation reader");
        }
        guard.writeLock().lock();
        released = true;
        guard.writeLock().unlock();
    }

    private void enter() {
        guard.readLock().lock();
        if (released) {
            guard.readLock().unlock();
            throw new IllegalStateException("generation " + sequence() + " was released");
        }
    }

    @Override
    public String toString() {
        return "Generation[" + sequence() + ", base " + baseTag() + ", size " + size() + "]";
    }
}
