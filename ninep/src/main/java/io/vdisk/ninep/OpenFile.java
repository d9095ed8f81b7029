package io.vdisk.ninep;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * An open file or directory, returned by {@link FileServer#open}; the server closes it when the
 * fid is clunked, removed, or the connection goes away.
 *
 * <p>
 * Must be thread-safe: a client may send many reads and writes on one open fid at once and the
 * server runs them in parallel. Defaults refuse the operation so a directory only implements
 * {@link #readdir} and a file only {@link #read}/{@link #write}.
 */
public interface OpenFile extends AutoCloseable {
    /**
     * Reads bytes at {@code offset} into {@code dst} (from its position up to its limit).
     *
     * @param offset file offset
     * @param dst where to put the bytes; its position is advanced
     * @return bytes read; 0 at or past end of file
     * @throws NinePException with the errno to answer
     */
    default int read(long offset, ByteBuffer dst) throws NinePException {
        throw new NinePException(Errno.EISDIR, "not a regular file");
    }

    /**
     * Writes all remaining bytes of {@code src} at {@code offset}.
     *
     * @param offset file offset
     * @param src the bytes; its position is advanced
     * @return bytes written
     * @throws NinePException with the errno to answer
     */
    default int write(long offset, ByteBuffer src) throws NinePException {
        throw new NinePException(Errno.EISDIR, "not a regular file");
    }

    /**
     * Lists directory entries starting after cookie {@code offset} (0 is the start). Returning
     * more than fits is fine: the server sends what fits in {@code count} bytes and the client
     * resumes at the last sent entry's {@link DirEntry#offset()}.
     *
     * @param offset 0 or a cookie from a previous entry
     * @param count the client's byte budget, a hint
     * @return entries in order; empty at the end
     * @throws NinePException with the errno to answer
     */
    default List<DirEntry> readdir(long offset, int count) throws NinePException {
        throw new NinePException(Errno.ENOTDIR, "not a directory");
    }

    /**
     * Makes every write acknowledged on this file so far durable. When this returns the server
     * answers {@code Rfsync}; a crash afterwards must not lose those writes.
     *
     * @param dataOnly whether metadata other than size may be left unsynced (fdatasync)
     * @throws NinePException with the errno to answer
     */
    default void fsync(boolean dataOnly) throws NinePException {
    }

    /**
     * Acquires or releases a POSIX record lock (fcntl F_SETLK semantics).
     *
     * @param request the lock
     * @return a {@link LockRequest} status: SUCCESS, BLOCKED or ERROR
     * @throws NinePException with the errno to answer
     */
    default int lock(LockRequest request) throws NinePException {
        return LockRequest.SUCCESS;
    }

    /**
     * Tests for a conflicting lock (fcntl F_GETLK semantics).
     *
     * @param request the lock that would be taken
     * @return the conflicting lock, or the request with type {@link LockRequest#UNLCK} if none
     * @throws NinePException with the errno to answer
     */
    default LockRequest getlock(LockRequest request) throws NinePException {
        return new LockRequest(LockRequest.UNLCK, 0, request.start(), request.length(),
            request.procId(), request.clientId());
    }

    /** Releases the open file; called once. Must not throw for ordinary reasons. */
    @Override
    default void close() {
    }
}
