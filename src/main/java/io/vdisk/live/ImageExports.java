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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NBD view of a vdisk root: export names are image paths relative to the root; {@code
 * path@REV} exports that revision read-only. Thread-safe.
 */
public final class ImageExports implements NbdExports {
    private static final Logger LOG = LoggerFactory.getLogger(ImageExports.class);
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
        if (images.untouched(name)) return new UnopenedExport(new IdleView(images, name));
        return new LiveExport(images.acquire(name, true));
    }

    /**
     * An image that was not open and had no writes, exported without opening it: a client that
     * only asks its size ({@code nbdinfo --list} connects to every export) or only reads costs
     * no journal (see {@link IdleView}). The first write, zero or trim opens the image; from
     * then on this is a {@link LiveExport}.
     */
    private final class UnopenedExport implements NbdExport {
        private final IdleView view;
        private volatile long lastSize;
        private volatile LiveExport live;
        private boolean closed; // guarded by this

        UnopenedExport(IdleView view) throws IOException {
            this.view = view;
            this.lastSize = view.read(LiveImage::size, Image::size);
        }

        private LiveExport live() throws IOException {
            LiveExport l = live;
            if (l != null) return l;
            synchronized (this) {
                if (closed) throw new IOException(view.name() + ": export closed");
                if (live == null) live = new LiveExport(images.acquire(view.name(), true));
                return live;
            }
        }

        /** The size now, or the last one known if the image's root cannot be read. */
        @Override
        public long size() {
            LiveExport l = live;
            if (l != null) return l.size();
            try {
                lastSize = view.read(LiveImage::size, Image::size);
            } catch (IOException e) {
                LOG.warn("{}: size: {}", view.name(), e.getMessage());
            }
            return lastSize;
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
            LiveExport l = live;
            if (l != null) {
                l.read(offset, dst);
                return;
            }
            view.read(img -> {
                img.read(offset, dst);
                return null;
            }, image -> {
                new ImageBase(image).read(offset, dst);
                return null;
            });
        }

        @Override
        public void read(long offset, int length, Gather out) throws IOException {
            LiveExport l = live;
            if (l != null) {
                l.read(offset, length, out);
                return;
            }
            view.read(img -> {
                img.read(offset, length, out);
                return null;
            }, image -> {
                new ImageBase(image).read(offset, length, out);
                return null;
            });
        }

        @Override
        public void write(long offset, ByteBuffer... src) throws IOException {
            live().write(offset, src);
        }

        /** Covers writes other connections made, as every flush of the image does. */
        @Override
        public void flush() throws IOException {
            LiveExport l = live;
            if (l != null) {
                l.flush();
                return;
            }
            view.read(img -> {
                img.flush();
                return null;
            }, image -> null);
        }

        @Override
        public void zero(long offset, long length) throws IOException {
            live().zero(offset, length);
        }

        @Override
        public List<Extent> extents(long offset, long length) throws IOException {
            LiveExport l = live;
            if (l != null) return l.extents(offset, length);
            return view.read(img -> liveExtents(img, offset, length),
                image -> treeExtents(image, offset, length));
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (live != null) live.close();
        }
    }

    /** Allocation of a live image: its journal over its committed tree. */
    private static List<NbdExport.Extent> liveExtents(LiveImage img, long offset, long length)
        throws IOException {
        List<NbdExport.Extent> out = new ArrayList<>();
        for (LiveImage.Run r : img.runs(offset, length, MAX_SCAN)) {
            out.add(new NbdExport.Extent(r.length(), r.zero()));
        }
        return out;
    }

    /** Allocation of a committed tree: its holes are zeros. */
    private static List<NbdExport.Extent> treeExtents(Image image, long offset, long length)
        throws IOException {
        List<NbdExport.Extent> out = new ArrayList<>();
        long end = Math.min(image.size(), offset + length);
        long pos = offset;
        while (pos < end && out.size() < 256) {
            long data = Math.min(end, image.nextData(pos));
            if (data > pos) {
                out.add(new NbdExport.Extent(data - pos, true));
                pos = data;
                continue;
            }
            long hole = image.nextHole(pos, end);
            out.add(new NbdExport.Extent(Math.max(1, hole - pos), false));
            pos = Math.max(pos + 1, hole);
        }
        return out;
    }

    /** A live image: writes go to its journal. */
    private static final class LiveExport implements NbdExport {
        private final LiveImage img;
        private boolean closed;

        /** @param img acquired for writing; released at close */
        LiveExport(LiveImage img) {
            this.img = img;
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
            return liveExtents(img, offset, length);
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
            return treeExtents(image, offset, length);
        }

        @Override
        public void close() {
        }
    }
}
