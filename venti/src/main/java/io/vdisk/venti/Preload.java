package io.vdisk.venti;

import io.vdisk.venti.internal.FrameRecord;
import io.vdisk.venti.internal.ScoreIndex;
import net.jpountz.lz4.LZ4Factory;

/**
 * Loads what opening and writing a {@link DiskBlockStore} needs (the LZ4 and zstd native
 * libraries, which their jars copy out first unless the launcher names them, and MapDB), for a
 * program to call on a spare thread while it does something else: a command spent 80 ms on
 * these between its start and its first block. Harmless to call at any time, more than once.
 *
 * <p>It must not log, nor load a class that gets a logger: SLF4J initializing on this thread
 * while a command logs on its own printed "logging calls ... intercepted and replayed" on the
 * command's stderr.
 */
public final class Preload {
    private Preload() {
    }

    public static void store() {
        LZ4Factory.fastestInstance();
        FrameRecord.preload();
        ScoreIndex.preload();
    }
}
