package io.vdisk.fs;

/**
 * Bridges the server's (usually direct) buffers and the image API's byte arrays with one scratch
 * array per thread, so a 1 MiB read does not allocate 1 MiB. Thread-safe (thread-confined
 * state).
 */
final class Buffers {
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);

    private Buffers() {
    }

    /** @return an array of at least {@code len} bytes, owned by the calling thread */
    static byte[] scratch(int len) {
        byte[] b = SCRATCH.get();
        if (b.length < len) {
            b = new byte[Math.max(len, 64 << 10)];
            SCRATCH.set(b);
        }
        return b;
    }
}
