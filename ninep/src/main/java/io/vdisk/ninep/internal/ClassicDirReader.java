package io.vdisk.ninep.internal;

import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import java.util.Arrays;

/**
 * The stat entries of one classic directory read, taken at offset 0 and served in slices of
 * whole entries: each entry is {@code size[2]} followed by {@code size} bytes (see
 * {@link ClassicMessages.Stat}). Immutable after construction, so thread-safe.
 */
final class ClassicDirReader {
    private final byte[] data;

    ClassicDirReader(byte[] data) {
        this.data = data;
    }

    /**
     * @param offset where the previous read ended (or 0)
     * @param count the most bytes to return
     * @return whole entries from {@code offset}, empty at the end
     * @throws NinePException EINVAL if not even one entry fits in {@code count}
     */
    byte[] read(long offset, int count) throws NinePException {
        if (offset < 0 || offset >= data.length) {
            return new byte[0];
        }
        int start = (int) offset;
        int end = start;
        while (end + 2 <= data.length) {
            int size = 2 + ((data[end] & 0xff) | (data[end + 1] & 0xff) << 8);
            if (end + size - start > count || end + size > data.length) {
                break;
            }
            end += size;
        }
        if (end == start) {
            throw new NinePException(Errno.EINVAL, "count too small for a directory entry");
        }
        return Arrays.copyOfRange(data, start, end);
    }
}
