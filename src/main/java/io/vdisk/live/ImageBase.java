package io.vdisk.live;

import io.vdisk.image.Image;
import io.vdisk.journal.BaseImage;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A committed image as the journal's read-only base. Thread-safe (Image is). */
final class ImageBase implements BaseImage {
    private final Image image;

    ImageBase(Image image) {
        this.image = image;
    }

    Image image() {
        return image;
    }

    @Override
    public long size() {
        return image.size();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        int len = dst.remaining();
        byte[] b;
        int off;
        if (dst.hasArray()) {
            b = dst.array();
            off = dst.arrayOffset() + dst.position();
        } else {
            b = new byte[len];
            off = 0;
        }
        int n = offset >= image.size() ? 0 : image.read(offset, b, off, len);
        java.util.Arrays.fill(b, off + Math.max(n, 0), off + len, (byte) 0);
        if (!dst.hasArray()) dst.put(b, 0, len);
        else
            dst.position(dst.position() + len);
    }
}
