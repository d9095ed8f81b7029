package io.vdisk.cli;

import io.vdisk.cli.StoreSource.StoreLease;
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
        try (StoreLease lease = openStore(workspace(a.file()))) {
            DiskBlockStore store = lease.store();
            List<ImageRoot> chain = History.walk(store, VdiskFile.read(a.file()));
            java.time.format.DateTimeFormatter time = java.time.format.DateTimeFormatter
                .ofPattern("yyyy-MM-dd HH:mm:ss");
            env().out().printf("%-4s %-12s  %-19s  %-8s %-8s %9s  %s%n", "rev", "score", "time",
                "kind", "type", "changed", "message");
            for (int i = 0; i < chain.size(); i++) {
                ImageRoot r = chain.get(i);
                env().out().printf("@%-3d %s  %s  %-8s %-8s %9d  %s%n", i,
                    r.score().abbreviated(12),
                    time.format(Instant.ofEpochMilli(r.timeMillis()).atZone(env().zone())),
                    r.kind().name().toLowerCase(), r.snapshot() ? "snapshot" : "working",
                    r.changedBlocks(), r.message());
            }
        }
        return 0;
    }
}
