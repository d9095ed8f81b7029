package io.vdisk.image.layout;

import java.io.IOException;

/**
 * A partition table or file system that was recognised but whose metadata does not check out.
 * Import answers it by storing the area raw with a warning, never by guessing. The message names
 * the structure and its disk offset.
 */
public class LayoutCheckException extends IOException {
    private static final long serialVersionUID = 1L;

    public LayoutCheckException(String message) {
        super(message);
    }
}
