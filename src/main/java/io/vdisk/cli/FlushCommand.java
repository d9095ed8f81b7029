package io.vdisk.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vdisk flush [IMAGE.vdisk]}: commits the journal of one image, or of all, now. */
@Command(name = "flush", description = "Commit an image's journal (or every image's) into the store now.")
final class FlushCommand extends ControlCommandBase {
    @Parameters(paramLabel = "IMAGE.vdisk", arity = "0..1")
    String image;

    @Override
    public Integer call() throws Exception {
        return image == null ? sendToRoot("flush") : send("flush", image, "");
    }
}
