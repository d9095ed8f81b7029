package io.vdisk.cli;

import io.vdisk.app.Workspace;
import java.io.IOException;

/**
 * A running {@code vdisk serve} holds the root's store, so the command must run in that server
 * (see {@code ControlClient.exec}).
 */
public final class ServerHoldsRootException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Workspace workspace;

    ServerHoldsRootException(Workspace workspace, IOException cause) {
        super(cause.getMessage(), cause);
        this.workspace = workspace;
    }

    public Workspace workspace() {
        return workspace;
    }
}
