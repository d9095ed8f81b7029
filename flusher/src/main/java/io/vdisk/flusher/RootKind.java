package io.vdisk.flusher;

/**
 * Why a root was written; the image layer records it in the root and maps it to its own codes.
 * Thread-safe (immutable).
 */
public enum RootKind {
    /** Created from a raw disk. */
    IMPORT,
    /** A working root written by a plain flush; replaced by the next one. */
    FLUSH,
    /** A snapshot taken by a cron policy. */
    SCHEDULED,
    /** A snapshot asked for by a user ({@code vdisk snapshot}). */
    MANUAL,
    /** The head written by a rollback: an older version's content on top of the history. */
    ROLLBACK
}
