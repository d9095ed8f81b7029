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
        if (images.ifOpen(name) == null && !images.mayHoldWrites(name)) {
            Image head = Image.of(images.store(), images.headRoot(name));
            return new UnopenedExport(name, images.key(name), head);
        }
        return LiveExport.of(images.get(name));
    }

    /**
     * An image that was not open and had no writes, exported without opening it: a client that
     * only asks its size ({@code nbdinfo --list} connects to every export) or only reads costs
     * no journal, and needs no room on disk for one. Reads go through the live image once
     * anyone has opened it, so they see every write; until then they come from the head root,
     * which nothing else can change (an open image is needed to commit, and the server refuses
     * to re-import an image of its root). The first write, zero or trim opens the image; from
     * then on this is a {@link LiveExport}.
     */
    private final class UnopenedExport implements NbdExport {
        private final String name;
        private final String key;
        private final Image head;
        private final ImageBase headReader; // zeros past the end, as the journal's base reads
        private volatile LiveExport live;
        private boolean closed; // guarded by this

        UnopenedExport(String name, String key, Image head) {
            this.name = name;
            this.key = key;
            this.head = head;
            this.headReader = new ImageBase(head);
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

        /** The live image if this connection or another has opened it, else null. */
        private LiveImage opened() {
            LiveExport l = live;
            return l != null ? l.img : images.ifOpenKey(key);
        }

        @Override
        public long size() {
            LiveImage img = opened();
            return img != null ? img.size() : head.size();
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
            LiveImage img = opened();
            if (img != null) img.read(offset, dst);
            else headReader.read(offset, dst);
        }

        @Override
        public void read(long offset, int length, Gather out) throws IOException {
            LiveImage img = opened();
            if (img != null) img.read(offset, length, out);
            else headReader.read(offset, length, out);
        }

        @Override
        public void write(long offset, ByteBuffer... src) throws IOException {
            live().write(offset, src);
        }

        /** Covers writes other connections made, as every flush of the image does. */
        @Override
        public void flush() throws IOException {
            LiveImage img = opened();
            if (img != null) img.flush();
        }

        @Override
        public void zero(long offset, long length) throws IOException {
            live().zero(offset, length);
        }

        @Override
        public List<Extent> extents(long offset, long length) throws IOException {
            LiveImage img = opened();
            return img != null ? liveExtents(img, offset, length) : treeExtents(head, offset,
                length);
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
