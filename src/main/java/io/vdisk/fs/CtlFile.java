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
 * "error: ..." when a command failed, after the write itself failed with EINVAL or EIO) is read
 * back on the same fid. Thread-safe (synchronized: commands of one fid run one at a time).
 */
final class CtlFile implements OpenFile {
    private static final Logger LOG = LoggerFactory.getLogger(CtlFile.class);
    /** Longest command accepted in one write. */
    static final int MAX_COMMAND = 64 << 10;

    private final Control control;
    private byte[] reply = new byte[0];

    CtlFile(Control control) {
        this.control = control;
    }

    @Override
    public synchronized int read(long offset, ByteBuffer dst) {
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
            } catch (IllegalArgumentException | IOException e) {
                int errno = e instanceof IOException ? Errno.EIO : Errno.EINVAL;
                LOG.warn("ctl: '{}' failed: {}", cmd, e.getMessage());
                out.append("error: ").append(e.getMessage()).append('\n');
                reply = out.toString().getBytes(StandardCharsets.UTF_8);
                throw new NinePException(errno, "ctl: " + e.getMessage(), e);
            }
        }
        reply = out.toString().getBytes(StandardCharsets.UTF_8);
        return n;
    }
}
