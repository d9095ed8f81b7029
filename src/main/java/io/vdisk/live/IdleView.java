package io.vdisk.live;

import io.vdisk.image.Image;
import java.io.IOException;

/**
 * An image as a client sees it that has not written to it: through the live image while anyone
 * has it open, so every write shows; else from the root its {@code .vdisk} file names, which
 * nothing changes while no one has the image open, read again whenever the image was closed for
 * being idle since (it may have committed first). Opens nothing, so a client that only lists or
 * reads costs no journal, nor room on disk for one. Thread-safe.
 */
public final class IdleView {
    private final LiveImages images;
    private final String name;
    private final String key;
    private volatile Head head;

    private record Head(int closes, Image image) {
    }

    /** One image's way of being read, open or not. */
    @FunctionalInterface
    public interface Read<S, T> {
        T apply(S source) throws IOException;
    }

    /** @param name the image's path below the root, as a client names it */
    public IdleView(LiveImages images, String name) throws IOException {
        this.images = images;
        this.name = name;
        this.key = images.key(name);
        this.head = load(images.closes(key));
    }

    public String name() {
        return name;
    }

    private Head load(int closes) throws IOException {
        return new Head(closes, Image.of(images.store(), images.headRoot(name)));
    }

    /**
     * {@code open} of the live image, held for the call, if anyone has the image open; else
     * {@code idle} of its committed root.
     */
    public <T> T read(Read<LiveImage, T> open, Read<Image, T> idle) throws IOException {
        LiveImage img = images.acquireIfOpen(key);
        if (img != null) {
            try {
                return open.apply(img);
            } finally {
                img.release(false);
            }
        }
        // after the failed acquire: a close that retired the image has bumped the count
        Head h = head;
        int closes = images.closes(key);
        if (h.closes() != closes) {
            h = load(closes);
            head = h;
        }
        return idle.apply(h.image());
    }
}
