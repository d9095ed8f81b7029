package io.vdisk.nbd;

import java.nio.ByteBuffer;

import java.util.ArrayList;
import java.util.List;

/** A byte-array disk for protocol tests; extents are 4 KiB granular. Thread-safe. */
final class MemoryExport implements NbdExport {
    final byte[] disk;
    final boolean readOnly;
    int flushes;

    MemoryExport(byte[] disk, boolean readOnly) {
        this.disk = disk;
        this.readOnly = readOnly;
    }

    @Override
    public long size() {
        return disk.length;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public boolean flushCoversAllConnections() {
        return true;
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) {
        dst.put(disk, (int) offset, dst.remaining());
    }

    @Override
    public synchronized void write(long offset, ByteBuffer... src) {
        for (ByteBuffer b : src) {
            int n = b.remaining();
            b.get(disk, (int) offset, n);
            offset += n;
        }
    }

    @Override
    public synchronized void flush() {
        flushes++;
    }

    @Override
    public synchronized void zero(long offset, long length) {
        java.util.Arrays.fill(disk, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public synchronized List<Extent> extents(long offset, long length) {
        List<Extent> out = new ArrayList<>();
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            long next = Math.min(end, (pos / 4096 + 1) * 4096);
            boolean zero = true;
            for (long i = pos; i < next && zero; i++)
                zero = disk[(int) i] == 0;
            if (!out.isEmpty() && out.get(out.size() - 1).zero() == zero) {
                Extent last = out.remove(out.size() - 1);
                out.add(new Extent(last.length() + next - pos, zero));
            } else {
                out.add(new Extent(next - pos, zero));
            }
            pos = next;
        }
        return out;
    }

    @Override
    public void close() {
    }
}
