package io.vdisk.cli;

import io.vdisk.image.History;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.VdiskFile;
import io.vdisk.venti.DiskBlockStore;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vdisk log IMAGE.vdisk}: the history, newest first, one line per version. */
@Command(name = "log", description = "Show an image's history, newest first.")
final class LogCommand extends CommandBase {
    @Parameters(index = "0", paramLabel = "IMAGE.vdisk")
    String image;

    @Override
    public Integer call() throws Exception {
        ImageArg a = imageArg(image);
        if (a.rev() != null)
            throw new UsageException("log takes an image file, not a revision");
        try (DiskBlockStore store = workspace(a.file()).openStore(false)) {
            List<ImageRoot> chain = History.walk(store, VdiskFile.read(a.file()));
            for (int i = 0; i < chain.size(); i++) {
                ImageRoot r = chain.get(i);
                env().out().printf("@%-3d %s  %s  %-9s %-8s %10d  %s%n", i, r.score().abbreviated(
                    12),
                    Instant.ofEpochMilli(r.timeMillis()).atZone(env().zone())
                        .toLocalDateTime().withNano(0),
                    r.kind().name().toLowerCase(), r
                        .snapshot() ? "snapshot" : "working",
                    r.size(), r.message());
            }
        }
        return 0;
    }
}
