package io.vdisk.journal;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Receives the dirty blocks of a {@link Generation}, in ascending block order. */
@FunctionalInterface
public interface BlockVisitor {

    /**
     * @param blockNo the block number (byte offset / block size)
     * @param content exactly one block of data, read-only and valid only during this call; or
     *        {@code null} when the block is a zero block (trimmed or zeroed)
     */
    void visit(long blockNo, ByteBuffer content) throws IOException;
}
