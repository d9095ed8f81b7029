package io.vdisk.ninep.internal;

import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The state of one server connection: negotiated msize and dialect, the fid table and the
 * requests in flight by tag. Thread-safe: the event loop and worker threads share it; the maps are
 * concurrent and the scalars volatile.
 */
public final class Session {
    /** A request in flight. Thread-safe. */
    static final class Pending {
        /** Set by Tflush or Tversion: drop the reply. */
        volatile boolean flushed;
        /** Completed after the reply (if any) has been handed to the channel. */
        final CompletableFuture<Void> done = new CompletableFuture<>();
    }

    private volatile int msize;
    private volatile Dialect dialect = Dialect.NONE;
    final ConcurrentMap<Integer, Fid> fids = new ConcurrentHashMap<>();
    final ConcurrentMap<Integer, Pending> inflight = new ConcurrentHashMap<>();

    /**
     * @param maxMsize the frame limit until a version is negotiated
     */
    public Session(int maxMsize) {
        this.msize = maxMsize;
    }

    /** @return the current frame limit */
    public int msize() {
        return msize;
    }

    /** @return the negotiated dialect */
    public Dialect dialect() {
        return dialect;
    }

    void negotiated(int newMsize, Dialect d) {
        this.msize = newMsize;
        this.dialect = d;
    }

    /**
     * @param fid a fid number
     * @return its fid
     * @throws NinePException EBADF when unknown
     */
    Fid fid(int fid) throws NinePException {
        Fid f = fids.get(fid);
        if (f == null) {
            throw new NinePException(Errno.EBADF, "unknown fid " + Integer.toUnsignedString(fid));
        }
        return f;
    }

    /** Drops every fid (closing open files) and abandons every request in flight. */
    void reset() {
        inflight.values().forEach(p -> p.flushed = true);
        for (Integer k : fids.keySet()) {
            Fid f = fids.remove(k);
            if (f != null) {
                f.closeOpen();
            }
        }
    }

    /**
     * @param errno a Linux errno
     * @return the error reply of this dialect
     */
    Message error(int errno) {
        if (dialect == Dialect.CLASSIC) {
            return new SessionMessages.Rerror(Errno.message(errno), errno);
        }
        return new SessionMessages.Rlerror(errno);
    }
}
