package io.vdisk.venti;

import java.io.IOException;

/** A score the store holds no block for: the tree naming it is incomplete. */
public class MissingBlockException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Score score;

    public MissingBlockException(Score score, BlockType type) {
        super("no block " + score + " (" + type + ") in the store");
        this.score = score;
    }

    public Score score() {
        return score;
    }
}
