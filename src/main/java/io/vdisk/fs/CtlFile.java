package io.vdisk.fs;

import io.vdisk.live.Control;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open of {@code /ctl}: each write is one or more command lines run at once; the reply (or
 * "error: ..." when a command failed, after the write itself failed with an errno that says how:
 * EINVAL, EBUSY, ENOSPC, EIO, ...) is read back on the same fid. A write of one streaming
 * command ({@link Control#start}) instead starts it, and reads then return its output in order,
 * each waiting for more, until it ends; clunking the fid cancels it. Thread-safe (synchronized:
 * commands of one fid run one at a time; a stream's reads wait outside the lock).
 */
final class CtlFile implements OpenFile {
    private static final Logger LOG = LoggerFactory.getLogger(CtlFile.class);
    /** Longest command accepted in one write. */
    static final int MAX_COMMAND = 64 << 10;

    private final Control control;
    private byte[] reply = new byte[0];
    private volatile Control.Output stream;
    /** Bytes of the stream read so far: reads must ask for them in order. */
    private long streamed; // guarded by streamLock
    private final Object streamLock = new Object();

    CtlFile(Control control) {
        this.control = control;
    }

    @Override
    public int read(long offset, ByteBuffer dst) throws NinePException {
        Control.Output out = stream;
        if (out != null) {
            return readStream(out, offset, dst);
        }
        return readReply(offset, dst);
    }

    private int readStream(Control.Output out, long offset, ByteBuffer dst)
        throws NinePException {
        synchronized (streamLock) {
            if (offset != streamed) {
                throw new NinePException(Errno.EINVAL, "ctl: a command's output is read in"
                    + " order: at " + streamed + ", not " + offset);
            }
            try {
                int n = out.read(dst);
                if (n < 0) {
                    return 0;
                }
                streamed += n;
                return n;
            } catch (IOException e) {
                throw new NinePException(Errno.EIO, "ctl: " + e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new NinePException(Errno.EINVAL, "ctl: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NinePException(Errno.EIO, "ctl: interrupted");
            }
        }
    }

    private synchronized int readReply(long offset, ByteBuffer dst) {
        if (offset >= reply.length) {
            return 0;
        }
        int n = (int) Math.min(dst.remaining(), reply.length - offset);
        dst.put(reply, (int) offset, n);
        return n;
    }

    @Override
    public synchronized int write(long offset, ByteBuffer src) throws NinePException {
        int n = src.remaining();
        if (n > MAX_COMMAND) {
            throw new NinePException(Errno.EINVAL, "ctl: command longer than " + MAX_COMMAND);
        }
        byte[] b = new byte[n];
        src.get(b);
        if (stream != null) {
            throw new NinePException(Errno.EBUSY, "ctl: a command is running on this fid");
        }
        String text = new String(b, StandardCharsets.UTF_8).strip();
        if (!text.isEmpty() && text.indexOf('\n') < 0) {
            try {
                Control.Output started = control.start(text);
                if (started != null) {
                    stream = started;
                    return n;
                }
            } catch (IOException | RuntimeException e) {
                String why = reason(e);
                LOG.warn("ctl: command refused: {}", why);
                reply = ("error: " + why + "\n").getBytes(StandardCharsets.UTF_8);
                throw new NinePException(errno(e), "ctl: " + why, e);
            }
        }
        StringBuilder out = new StringBuilder();
        for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
            String cmd = line.strip();
            if (cmd.isEmpty()) {
                continue;
            }
            try {
                String r = control.execute(cmd);
                out.append(r);
                if (!r.isEmpty() && !r.endsWith("\n")) {
                    out.append('\n');
                }
            } catch (IOException | RuntimeException e) {
                String why = reason(e);
                LOG.warn("ctl: '{}' failed: {}", cmd, why);
                out.append("error: ").append(why).append('\n');
                reply = out.toString().getBytes(StandardCharsets.UTF_8);
                throw new NinePException(errno(e), "ctl: " + why, e);
            }
        }
        reply = out.toString().getBytes(StandardCharsets.UTF_8);
        return n;
    }

    /**
     * The I/O failure behind {@code e}: itself, or what a runtime exception wraps (MapDB's
     * VolumeIOError, UncheckedIOException); null if there is none.
     */
    private static IOException ioCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
        }
        return null;
    }

    /**
     * What the client is told: an I/O failure's message, or that of a refusal (a bad argument,
     * or a command the image's state forbids now, see {@link Control#execute}); anything else
     * is a bug, rethrown for the 9P layer to log whole.
     */
    private static String reason(Exception e) {
        IOException io = ioCause(e);
        if (io != null) {
            return io.getMessage();
        }
        if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
            return e.getMessage();
        }
        throw (RuntimeException) e; // not an IOException: ioCause would have found it
    }

    private static int errno(Exception e) {
        IOException io = ioCause(e);
        if (io != null) {
            return Errors.errno(io);
        }
        return e instanceof IllegalStateException ? Errno.EBUSY : Errno.EINVAL;
    }

    @Override
    public void close() {
        Control.Output out = stream;
        if (out != null) {
            out.cancel();
        }
    }
}
