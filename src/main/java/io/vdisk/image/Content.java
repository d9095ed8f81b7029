package io.vdisk.image;

/**
 * What an extent holds, as far as import could tell: informational (for {@code vdisk info}), never
 * needed to read the bytes back. The code is stored; never renumber. Thread-safe (immutable).
 */
public enum Content {
    RAW(0, "raw"), EXT2(1, "ext2"), EXT3(2, "ext3"), EXT4(3, "ext4"), FAT12(4, "fat12"), FAT16(5,
        "fat16"), FAT32(6, "fat32");

    private final int code;
    private final String label;

    Content(int code, String label) {
        this.code = code;
        this.label = label;
    }

    public int code() {
        return code;
    }

    public String label() {
        return label;
    }

    /** The content stored as {@code code}, or null if there is none. */
    public static Content fromCode(int code) {
        for (Content c : values()) {
            if (c.code == code)
                return c;
        }
        return null;
    }
}
