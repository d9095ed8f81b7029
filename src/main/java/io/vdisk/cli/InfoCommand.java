package io.vdisk.cli;

import io.vdisk.cli.StoreSource.StoreLease;
import io.vdisk.image.Extent;
import io.vdisk.image.Image;
import io.vdisk.image.ImageRoot;
import io.vdisk.venti.DiskBlockStore;
import io.vdisk.venti.Score;
import java.io.PrintStream;
import java.time.Instant;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vdisk info IMAGE.vdisk[@REV]}: what a version is and how it is stored. */
@Command(name = "info", description = "Show an image version: score, size, extents, storage.")
final class InfoCommand extends CommandBase {
    @Parameters(index = "0", paramLabel = "IMAGE.vdisk[@REV]")
    String image;

    @Override
    public Integer call() throws Exception {
        ImageArg a = imageArg(image);
        try (StoreLease lease = openStore(workspace(a.file()))) {
            DiskBlockStore store = lease.store();
            ImageRoot r = resolve(store, a);
            Image img = Image.of(store, r);
            PrintStream o = env().out();
            o.println("score:      " + r.score().toHex());
            o.println("name:       " + r.name());
            o.println("prev:       " + (r.prev().isZero() ? "-" : r.prev().toHex()));
            o.println("time:       " + Instant.ofEpochMilli(r.timeMillis()).atZone(env().zone())
                .toLocalDateTime().withNano(0));
            o.println("kind:       " + r.kind().name().toLowerCase() + (r.snapshot()
                ? " snapshot"
                : " working"));
            if (!r.message().isEmpty())
                o.println("message:    " + r.message());
            o.println("size:       " + r.size() + " (" + bytes(r.size()) + ")");
            TreeSet<Score> distinct = new TreeSet<>();
            img.collectDataScores(distinct);
            long referenced = img.referencedBytes();
            o.println("referenced: " + referenced + " (" + bytes(referenced) + ", "
                + String.format("%.1f%%", 100.0 * referenced / Math.max(1, r.size()))
                + " of the disk) in " + distinct.size() + " distinct blocks");
            o.println("changed:    " + r.changedBlocks() + " blocks");
            o.println("extents:");
            o.printf("  %-14s %-14s %-5s %-6s %s%n", "offset", "length", "part", "fs", "block");
            for (Extent x : r.extents()) {
                o.printf("  %-14d %-14d %-5s %-6s %d%n", x.offset(), x.length(), x.partition() == 0
                    ? "-"
                    : Integer.toString(x.partition()), x.content().label(),
                    r.entry(x)
                        .dsize());
            }
        }
        return 0;
    }
}
