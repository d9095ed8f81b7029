package io.vdisk.ninep.internal;

/** The protocol a connection negotiated with Tversion. Immutable. */
public enum Dialect {
    /** Nothing negotiated yet. */
    NONE(""),
    /** Classic Plan 9 9P2000. */
    CLASSIC("9P2000"),
    /** Linux 9P2000.L. */
    LINUX("9P2000.L");

    private final String version;

    Dialect(String version) {
        this.version = version;
    }

    /** @return the version string sent in Rversion */
    public String version() {
        return version;
    }

    /**
     * Picks the dialect for a client's version string: "9P2000.L" is Linux, anything else that
     * starts with "9P2000" (including "9P2000.u") falls back to classic, per version(5).
     *
     * @param requested the client's version
     * @return the dialect, or {@link #NONE} for an unknown protocol
     */
    public static Dialect negotiate(String requested) {
        if (requested.equals(LINUX.version)) {
            return LINUX;
        }
        return requested.startsWith(CLASSIC.version) ? CLASSIC : NONE;
    }
}
