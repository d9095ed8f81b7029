package io.vdisk.image.layout;

/** Little-endian reads from byte arrays, as on-disk PC formats use. Thread-safe (stateless). */
final class Le {
    private Le() {
    }

    static int u8(byte[] b, int at) {
        return b[at] & 0xff;
    }

    static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    static long u32(byte[] b, int at) {
        return (u16(b, at) | (long) u16(b, at + 2) << 16) & 0xffffffffL;
    }

    static long u64(byte[] b, int at) {
        return u32(b, at) | u32(b, at + 4) << 32;
    }

    static void put32(byte[] b, int at, long v) {
        for (int i = 0; i < 4; i++)
            b[at + i] = (byte) (v >>> 8 * i);
    }
}
