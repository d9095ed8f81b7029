package io.vdisk.image;

/**
 * Per worker thread, the array a batch of blocks is read into before the store hashes and copies
 * them. A fresh array per batch was zeroed before the disk's bytes overwrote it: 1 GiB of zeroing
 * per GiB imported, and the GC pauses that came with it.
 */
final class BatchBuffer {
    private static final ThreadLocal<byte[][]> BUFFER = ThreadLocal
        .withInitial(() -> new byte[1][]);

    private BatchBuffer() {
    }

    /** This thread's array, at least {@code n} bytes; past what the caller writes, old bytes. */
    static byte[] get(int n) {
        byte[][] holder = BUFFER.get();
        if (holder[0] == null || holder[0].length < n)
            holder[0] = new byte[n];
        return holder[0];
    }
}
