package io.vdisk.live;

import io.vdisk.image.Image;
import io.vdisk.journal.BaseImage;
import io.vdisk.venti.Gather;
import io.vdisk.venti.ZeroTruncation;
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
        image.read(offset, dst); // reads nothing at or past the end
        ZeroTruncation.fill(dst, dst.remaining());
    }

    @Override
    public void read(long offset, int length, Gather out) throws IOException {
        int n = image.read(offset, length, out);
        out.zeros(length - n);
    }
}
