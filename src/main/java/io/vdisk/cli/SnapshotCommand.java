package io.vdisk.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vdisk snapshot IMAGE.vdisk [-m MESSAGE]}: flushes and records a snapshot. */
@Command(name = "snapshot", description = "Flush an image and record a snapshot.")
final class SnapshotCommand extends ControlCommandBase {
    @Parameters(paramLabel = "IMAGE.vdisk")
    String image;

    @Option(names = {"-m", "--message"}, paramLabel = "MESSAGE", defaultValue = "")
    String message;

    @Override
    public Integer call() throws Exception {
        return send("snapshot", image, message.replace('\n', ' '));
    }
}
