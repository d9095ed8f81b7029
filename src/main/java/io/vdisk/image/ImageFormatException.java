package io.vdisk.image;

import java.io.IOException;

/**
 * An image root, directory or metadata stream whose bytes break a format rule. The message names
 * the image (score), the structure, the offset and what was expected.
 */
public class ImageFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageFormatException(String message) {
        super(message);
    }

    public ImageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
