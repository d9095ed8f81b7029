package io.vdisk.journal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A journal file is damaged in a part that was durable (flushed or sealed): the journal refuses
 * to open rather than serve wrong data. Names the file and the byte offset of the bad record.
 */
public final class JournalCorruptException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    public JournalCorruptException(Path file, long offset, String what) {
        super(file + " at offset " + offset + ": " + what);
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
