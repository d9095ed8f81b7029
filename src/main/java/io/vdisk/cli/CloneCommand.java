package io.vdisk.cli;

import io.vdisk.cli.StoreSource.StoreLease;
import io.vdisk.app.Workspace;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.VdiskFile;
import io.vdisk.venti.DiskBlockStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code vdisk clone IMAGE.vdisk[@REV] NEW.vdisk}: a new image file naming the same root. Costs
 * one pointer file and no blocks, whatever the size.
 */
@Command(name = "clone", description = "Make a new image sharing an existing version (O(1)).")
final class CloneCommand extends CommandBase {
    @Parameters(index = "0", paramLabel = "IMAGE.vdisk[@REV]")
    String image;

    @Parameters(index = "1", paramLabel = "NEW.vdisk")
    String target;

    @Override
    public Integer call() throws Exception {
        ImageArg a = imageArg(image);
        Path out = path(target);
        requireVdiskName(out);
        if (Files.exists(out))
            throw new IOException(out + ": already exists");
        Workspace w = workspace(a.file());
        if (!workspace(out).root().equals(w.root()))
            throw new IOException(out + ": not in the same vdisk root as " + a.file());
        ImageRoot r;
        try (StoreLease lease = openStore(w)) {
            DiskBlockStore store = lease.store();
            r = resolve(store, a);
        }
        VdiskFile.write(out, r.score());
        env().out().println(w.display(out) + ": " + r.score().toHex());
        return 0;
    }
}
