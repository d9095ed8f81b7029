package io.vdisk.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vdisk flush IMAGE.vdisk}: commits the image's journal into the store now. */
@Command(name = "flush", description = "Commit an image's journal into the store now.")
final class FlushCommand extends ControlCommandBase {
    @Parameters(paramLabel = "IMAGE.vdisk")
    String image;

    @Override
    public Integer call() throws Exception {
        return send("flush", image, "");
    }
}
