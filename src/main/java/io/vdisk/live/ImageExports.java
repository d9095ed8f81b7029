package io.vdisk.live;

import io.vdisk.image.History;
import io.vdisk.image.Image;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.VdiskFile;
import io.vdisk.venti.Gather;
import io.vdisk.nbd.NbdExport;
import io.vdisk.nbd.NbdExports;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * The NBD view of a vdisk root: export names are image paths relative to the root; {@code
 * path@REV} exports that revision read-only. Thread-safe.
 */
public final class ImageExports implements NbdExports {
    /** Bytes a block-status request may scan before answering with what it has. */
    private static final long MAX_SCAN = 64L << 20;

    private final LiveImages images;
    private final ZoneId zone;

    public ImageExports(LiveImages images, ZoneId zone) {
        this.images = images;
        this.zone = zone;
    }

    @Override
    public List<String> list() throws IOException {
        return images.names();
    }

    @Override
    public String describe(String name) {
        return "vdisk image " + name;
    }

    @Override
    public NbdExport open(String name) throws IOException {
        int at = name.lastIndexOf('@');
        if (at > 0) {
            var file = images.resolve(name.substring(0, at));
            try {
                ImageRoot root = History.resolve(images.store(), VdiskFile.read(file),
                    name.substring(at + 1), zone);
                return new SnapshotExport(Image.of(images.store(), root));
            } catch (History.BadRevisionException e) {
                throw new NoSuchFileException(name, null, e.getMessage());
            }
        }
        if (images.ifOpen(name) == null && !images.mayHoldWrites(name))
            return new UnopenedExport(name, images.size(name));
        return LiveExport.of(images.get(name));
    }

    /**
     * An image that was not open and had no writes, exported without opening it, so that a
     * client that only asks for sizes ({@code nbdinfo --list} connects to every export) costs
     * no journal. Its first request opens it; from then on it is a {@link LiveExport}.
     */
    private final class UnopenedExport implements NbdExport {
        private final String name;
        private final long size;
        private volatile LiveExport live;
        private boolean closed; // guarded by this

        UnopenedExport(String name, long size) {
            this.name = name;
            this.size = size;
        }

        private LiveExport live() throws IOException {
            LiveExport l = live;
            if (l != null) return l;
            synchronized (this) {
                if (closed) throw new IOException(name + ": export closed");
                if (live == null) live = LiveExport.of(images.get(name));
                return live;
            }
        }

        @Override
        public long size() {
            LiveExport l = live;
            return l != null ? l.size() : size;
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public boolean flushCoversAllConnections() {
            return true;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            live().read(offset, dst);
        }

        @Override
        public void read(long offset, int length, Gather out) throws IOException {
            live().read(offset, length, out);
        }

        @Override
        public void write(long offset, ByteBuffer... src) throws IOException {
            live().write(offset, src);
        }

        /** Covers writes other connections made, as every flush of the image does. */
        @Override
        public void flush() throws IOException {
            LiveExport l = live;
            LiveImage img = l != null ? l.img : images.ifOpen(name);
            if (img != null) img.flush();
        }

        @Override
        public void zero(long offset, long length) throws IOException {
            live().zero(offset, length);
        }

        @Override
        public List<Extent> extents(long offset, long length) throws IOException {
            return live().extents(offset, length);
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (live != null) live.close();
        }
    }

    /** A live image: writes go to its journal. */
    private static final class LiveExport implements NbdExport {
        private final LiveImage img;
        private boolean closed;

        private LiveExport(LiveImage img) {
            this.img = img;
        }

        /** Exports {@code img} to one more client, counted as a writer. */
        static LiveExport of(LiveImage img) {
            img.acquire(true);
            return new LiveExport(img);
        }

        @Override
        public long size() {
            return img.size();
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public boolean flushCoversAllConnections() {
            return true; // one journal per image; its flush covers every writer
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            img.read(offset, dst);
        }

        @Override
        public void read(long offset, int length, Gather out) throws IOException {
            img.read(offset, length, out);
        }

        @Override
        public void write(long offset, ByteBuffer... src) throws IOException {
            img.write(offset, src);
        }

        @Override
        public void flush() throws IOException {
            img.flush();
        }

        @Override
        public void zero(long offset, long length) throws IOException {
            img.zero(offset, length);
        }

        @Override
        public List<Extent> extents(long offset, long length) throws IOException {
            List<Extent> out = new ArrayList<>();
            for (LiveImage.Run r : img.runs(offset, length, MAX_SCAN)) {
                out.add(new Extent(r.length(), r.zero()));
            }
            return out;
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            img.release(true);
        }
    }

    /** A committed revision, read-only; holes come from the tree itself. */
    private static final class SnapshotExport implements NbdExport {
        private final Image image;
        private final ImageBase reader; // zeros past the end, as the journal's base reads

        SnapshotExport(Image image) {
            this.image = image;
            this.reader = new ImageBase(image);
        }

        @Override
        public long size() {
            return image.size();
        }

        @Override
        public boolean readOnly() {
            return true;
        }

        @Override
        public boolean flushCoversAllConnections() {
            return true;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws IOException {
            reader.read(offset, dst);
        }

        @Override
        public void read(long offset, int length, Gather out) throws IOException {
            reader.read(offset, length, out);
        }

        @Override
        public void write(long offset, ByteBuffer... src) throws IOException {
            throw new IOException("snapshot exports are read-only");
        }

        @Override
        public void flush() {
        }

        @Override
        public void zero(long offset, long length) throws IOException {
            throw new IOException("snapshot exports are read-only");
        }

        @Override
        public List<Extent> extents(long offset, long length) throws IOException {
            List<Extent> out = new ArrayList<>();
            long end = Math.min(image.size(), offset + length);
            long pos = offset;
            while (pos < end && out.size() < 256) {
                long data = Math.min(end, image.nextData(pos));
                if (data > pos) {
                    out.add(new Extent(data - pos, true));
                    pos = data;
                    continue;
                }
                long hole = image.nextHole(pos, end);
                out.add(new Extent(Math.max(1, hole - pos), false));
                pos = Math.max(pos + 1, hole);
            }
            return out;
        }

        @Override
        public void close() {
        }
    }
}
