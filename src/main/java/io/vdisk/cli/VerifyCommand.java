package io.vdisk.cli;

import io.vdisk.cli.StoreSource.StoreLease;
import io.vdisk.app.Progress;
import io.vdisk.app.Workspace;
import io.vdisk.image.History;
import io.vdisk.image.Image;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.VdiskFile;
import io.vdisk.venti.DiskBlockStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code vdisk verify [IMAGE.vdisk]}: with an image, reads every block of its head (each read
 * checks the score) and the roots of its history; without, checks every record of the store and
 * the history of every image under the root.
 */
@Command(name = "verify", description = "Check an image, or the whole store and every image.")
final class VerifyCommand extends CommandBase {
    @Parameters(arity = "0..1", paramLabel = "IMAGE.vdisk")
    String image;

    @Override
    public Integer call() throws Exception {
        Path file = image == null ? null : imageArg(image).file();
        Workspace w = workspace(file);
        List<String> problems = new ArrayList<>();
        int images = 0;
        try (StoreLease lease = openStore(w)) {
            DiskBlockStore store = lease.store();
            if (file == null) {
                try (Progress p = progress("verify", Math.max(1, store.stats().storedBytes()))) {
                    problems.addAll(store.verify(p::update));
                }
            }
            for (Path f : file == null ? w.images() : List.of(file)) {
                images++;
                try {
                    List<ImageRoot> chain = History.walk(store, VdiskFile.read(f));
                    Image head = Image.of(store, chain.get(0));
                    try (Progress p = progress("verify " + f.getFileName(), head.size())) {
                        head.verify(p::update);
                    }
                } catch (IOException e) {
                    problems.add(w.display(f) + ": " + e.getMessage());
                }
            }
        }
        for (String s : problems)
            env().err().println("vdisk: " + s);
        if (!problems.isEmpty())
            return 1;
        env().out().println("ok: " + images + " image" + (images == 1 ? "" : "s") + " verified"
            + (file == null ? ", store records verified" : ""));
        return 0;
    }
}
