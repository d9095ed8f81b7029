package io.vdisk.journal.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tracks the journal's dirty bytes, asks for a flush when they cross the soft threshold and
 * makes writers wait at the hard one until a release brings them down.
 *
 * <p>
 * Thread-safe. The flush-wanted callback always runs outside this class's lock.
 */
public final class BackPressure {
    private volatile long max;
    private volatile long soft;
    private final Runnable flushWanted;
    private final AtomicLong dirty = new AtomicLong();
    private final AtomicBoolean asked = new AtomicBoolean();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private boolean closed; // guarded by lock

    public BackPressure(long max, long soft, Runnable flushWanted) {
        this.max = max;
        this.soft = soft;
        this.flushWanted = flushWanted;
    }

    /** New thresholds, effective for the next write; writers waiting on the old maximum wake. */
    public void limits(long newMax, long newSoft) {
        max = newMax;
        soft = newSoft;
        signal();
        asked.set(false);
        written(dirty.get()); // asks now if already past the new soft threshold
    }

    public long dirty() {
        return dirty.get();
    }

    /** Records a new dirty figure after a write; may run the callback. */
    public void written(long nowDirty) {
        dirty.set(nowDirty);
        if (nowDirty >= soft && asked.compareAndSet(false, true)) {
            flushWanted.run();
        }
    }

    /** Records a drop (release, discard) and wakes waiting writers. */
    public void released(long nowDirty) {
        dirty.set(nowDirty);
        asked.set(nowDirty >= soft);
        signal();
    }

    /** Blocks while the journal holds at least the maximum of dirty bytes. */
    public void awaitRoom() throws IOException {
        if (dirty.get() < max) {
            return;
        }
        flushWanted.run();
        lock.lock();
        try {
            while (dirty.get() >= max && !closed) {
                room.await();
            }
            if (closed) {
                throw new IOException("journal closed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the journal to drain");
        } finally {
            lock.unlock();
        }
    }

    public void close() {
        lock.lock();
        try {
            closed = true;
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
