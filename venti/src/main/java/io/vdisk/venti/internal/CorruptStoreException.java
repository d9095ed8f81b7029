package io.vdisk.venti.internal;

import io.vdisk.venti.CorruptBlockException;

/** A store file (arena or index) whose bytes break a format rule; says which file and where. */
public class CorruptStoreException extends CorruptBlockException {
    private static final long serialVersionUID = 1L;

    public CorruptStoreException(String message) {
        super(message);
    }
}
