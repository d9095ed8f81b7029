package io.vdisk.cli;

import io.vdisk.cli.StoreSource.StoreLease;
import io.vdisk.image.Image;
import io.vdisk.venti.DiskBlockStore;
import java.io.IOException;
import java.io.OutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code vdisk cat IMAGE.vdisk[@REV]}: the raw disk bytes to stdout. */
@Command(name = "cat", description = "Write an image's raw bytes to standard output.")
final class CatCommand extends CommandBase {
    @Parameters(index = "0", paramLabel = "IMAGE.vdisk[@REV]")
    String image;

    @Override
    public Integer call() throws Exception {
        ImageArg a = imageArg(image);
        try (StoreLease lease = openStore(workspace(a.file()))) {
            DiskBlockStore store = lease.store();
            Image img = Image.of(store, resolve(store, a));
            OutputStream out = env().out();
            byte[] buf = new byte[ExportCommand.CHUNK];
            for (long pos = 0; pos < img.size();) {
                int n = img.read(pos, buf, 0, buf.length);
                out.write(buf, 0, n);
                // the reader went away (a pipe into head): stop instead of reading the rest
                if (env().out().checkError())
                    throw new StdoutClosedException();
                pos += n;
            }
            out.flush();
        }
        return 0;
    }
}
