package io.vdisk.flusher;

import io.vdisk.venti.Score;
import java.time.Instant;
import java.util.Objects;

/**
 * One root in an image's history, as the image layer describes it to the flusher. Immutable,
 * thread-safe.
 *
 * @param score the root's score
 * @param time when the root was written
 * @param kind why it was written
 * @param snapshot whether it is a snapshot (kept in the chain) rather than a working root
 * @param message the user's message, or the empty string
 */
public record Version(Score score, Instant time, RootKind kind, boolean snapshot,
    String message) {
    public Version {
        Objects.requireNonNull(score);
        Objects.requireNonNull(time);
        Objects.requireNonNull(kind);
        message = message == null ? "" : message;
    }
}
