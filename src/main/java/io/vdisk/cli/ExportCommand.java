package io.vdisk.cli;

import io.vdisk.cli.StoreSource.StoreLease;
import io.vdisk.app.Progress;
import io.vdisk.flusher.AtomicFile;
import io.vdisk.image.Image;
import io.vdisk.venti.DiskBlockStore;
import io.vdisk.venti.ZeroTruncation;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code vdisk export IMAGE.vdisk[@REV] OUT}: writes the raw disk. A regular file gets holes where
 * the image has zero blocks, and is written beside OUT first and renamed over it once whole and
 * forced, so an export that fails (a damaged block, a full disk) leaves no partial image under
 * OUT's name and an earlier OUT as it was. A device is written whole, in place.
 */
@Command(name = "export", description = "Write an image out as a (sparse) raw disk file.")
final class ExportCommand extends CommandBase {
    static final int CHUNK = 1 << 20;

    @Parameters(index = "0", paramLabel = "IMAGE.vdisk[@REV]")
    String image;

    @Parameters(index = "1", paramLabel = "OUT")
    String output;

    @Override
    public Integer call() throws Exception {
        ImageArg a = imageArg(image);
        Path out = path(output);
        try (StoreLease lease = openStore(workspace(a.file()))) {
            DiskBlockStore store = lease.store();
            Image img = Image.of(store, resolve(store, a));
            if (Files.exists(out) && !Files.isRegularFile(out)) {
                try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw");
                    Progress p = progress("export", img.size())) {
                    write(img, f, false, p);
                    f.getFD().sync();
                }
                return 0;
            }
            // a symbolic link's target is replaced, not the link
            Path target = Files.exists(out) ? out.toRealPath() : out.toAbsolutePath();
            if (!Files.isDirectory(target.getParent()))
                throw new NoSuchFileException(output, null, "no such directory");
            if (!Files.isWritable(target.getParent()))
                throw new AccessDeniedException(output);
            Path tmp = AtomicFile.tempFor(target);
            try {
                try (RandomAccessFile f = new RandomAccessFile(tmp.toFile(), "rw");
                    Progress p = progress("export", img.size())) {
                    f.setLength(0);
                    write(img, f, true, p);
                    f.setLength(img.size());
                    f.getFD().sync();
                }
                if (Files.exists(target))
                    Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
            } catch (Throwable e) { // no partial image left behind, whatever stopped it
                Files.deleteIfExists(tmp);
                throw e;
            }
            AtomicFile.moveOver(tmp, target);
        }
        return 0;
    }

    private static void write(Image img, RandomAccessFile f, boolean sparse, Progress p)
        throws IOException {
        byte[] buf = new byte[CHUNK];
        long pos = sparse ? img.nextData(0) : 0;
        while (pos < img.size()) {
            long end = sparse ? img.nextHole(pos) : img.size();
            while (pos < end) {
                int n = (int) Math.min(CHUNK, end - pos);
                img.read(pos, buf, 0, n);
                if (!sparse || !ZeroTruncation.isAllZero(buf, 0, n)) {
                    f.seek(pos);
                    f.write(buf, 0, n);
                }
                pos += n;
                p.update(pos);
            }
            pos = sparse ? img.nextData(end) : end;
        }
    }
}
