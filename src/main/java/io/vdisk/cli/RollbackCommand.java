package io.vdisk.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vdisk rollback IMAGE.vdisk REV [--force]}: a new head with REV's content whose prev is
 * the current head, so nothing is lost.
 */
@Command(name = "rollback", description = "Make an earlier revision the image's content again (history is kept).")
final class RollbackCommand extends ControlCommandBase {
    @Parameters(index = "0", paramLabel = "IMAGE.vdisk")
    String image;

    @Parameters(index = "1", paramLabel = "REV")
    String rev;

    @Option(names = "--force", description = "Even while a client has it open for writing: snapshot the current state, then discard unflushed writes.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        String r = rev.startsWith("@") ? rev.substring(1) : rev;
        return send("rollback", image, quote(r) + (force ? " force" : ""));
    }
}
