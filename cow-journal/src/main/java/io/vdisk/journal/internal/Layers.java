package io.vdisk.journal.internal;

import io.vdisk.journal.BaseImage;
import io.vdisk.venti.Gather;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The read path: resolves each block through a stack of generations (newest first) and falls
 * through to the base. A generation that shrank the image masks lower layers from its
 * {@link GenerationLog#maskBlock()} on. Consecutive blocks that fall through to the base are
 * read from it in one call.
 *
 * <p>
 * Stateless; thread-safe as long as the caller keeps the layers from being closed meanwhile.
 */
public final class Layers {
    private Layers() {
    }

    /** Fills {@code dst} (position to limit) with the image bytes at {@code offset}. */
    public static void read(GenerationLog[] layers, BaseImage base, int blockSize, long offset,
        ByteBuffer dst) throws IOException {
        read(layers, base, blockSize, offset, dst.remaining(), Gather.into(dst));
    }

    /** Gathers the {@code length} image bytes at {@code offset} into {@code out}. */
    public static void read(GenerationLog[] layers, BaseImage base, int blockSize, long offset,
        int length, Gather out) throws IOException {
        long pos = offset;
        long end = offset + length;
        long runStart = -1; // image offset where a pending base run begins
        while (pos < end) {
            long block = pos / blockSize;
            int inBlock = (int) (pos % blockSize);
            int n = (int) Math.min(blockSize - inBlock, end - pos);
            GenerationLog owner = null;
            long where = 0;
            boolean zero = false;
            for (GenerationLog layer : layers) {
                Long v = layer.index().get(block);
                if (v != null) {
                    owner = layer;
                    where = v;
                    zero = v == BlockIndex.ZERO;
                    break;
                }
                if (block >= layer.maskBlock()) {
                    zero = true;
                    break;
                }
            }
            if (owner == null && !zero) {
                if (runStart < 0) runStart = pos;
            } else {
                if (runStart >= 0) {
                    base.read(runStart, (int) (pos - runStart), out);
                    runStart = -1;
                }
                if (zero) {
                    out.zeros(n);
                } else {
                    owner.readPayload(where + inBlock, out.fill(n));
                }
            }
            pos += n;
        }
        if (runStart >= 0) {
            base.read(runStart, (int) (end - runStart), out);
        }
    }
}
