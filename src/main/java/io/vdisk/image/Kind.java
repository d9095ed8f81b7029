package io.vdisk.image;

/**
 * Why a root was written. The code is what the metadata stream stores; never renumber. Thread-safe
 * (immutable).
 */
public enum Kind {
    IMPORT(1), FLUSH(2), SCHEDULED(3), MANUAL(4), ROLLBACK(5);

    private final int code;

    Kind(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The kind stored as {@code code}, or null if there is none. */
    public static Kind fromCode(int code) {
        for (Kind k : values()) {
            if (k.code == code)
                return k;
        }
        return null;
    }
}
