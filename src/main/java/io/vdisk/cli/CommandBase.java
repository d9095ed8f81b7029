package io.vdisk.cli;

import io.vdisk.app.ControlClient;
import io.vdisk.app.Progress;
import io.vdisk.app.Workspace;
import io.vdisk.image.History;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.VdiskFile;
import io.vdisk.venti.BlockStore;
import io.vdisk.cli.StoreSource.StoreLease;
import io.vdisk.venti.Score;
import io.vdisk.venti.StoreInUseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ParentCommand;

/** Shared plumbing of subcommands: paths, the root, image arguments. Not thread-safe. */
abstract class CommandBase implements Callable<Integer> {
    @ParentCommand
    VdiskCommand parent;

    Env env() {
        return parent.env();
    }

    Path path(String p) {
        return env().cwd().resolve(p).normalize();
    }

    /** The root holding {@code image} (found from its directory), or from the cwd if null. */
    Workspace workspace(Path image) throws IOException {
        Path from = image == null ? env().cwd() : image.toAbsolutePath().getParent();
        return Workspace.find(from, parent.storeOverride());
    }

    /**
     * The root's store for this command. When a running server holds it, the command must be
     * run there instead ({@link ServerHoldsRootException}).
     */
    StoreLease openStore(Workspace w) throws IOException {
        try {
            return parent.stores().open(w);
        } catch (StoreInUseException e) {
            if (Files.exists(ControlClient.addressFile(w)))
                throw new ServerHoldsRootException(w, e);
            throw e;
        }
    }

    void warn(String message) {
        env().err().println("vdisk: warning: " + message);
    }

    Progress progress(String label, long total) {
        return new Progress(env().err(), env().stderrTerminal(), label, total);
    }

    /** An image argument {@code FILE.vdisk[@REV]}. */
    record ImageArg(Path file, String rev) {
    }

    ImageArg imageArg(String arg) {
        Path whole = path(arg);
        int at = arg.lastIndexOf('@');
        if (at > 0 && !Files.exists(whole))
            return new ImageArg(path(arg.substring(0, at)), arg.substring(at + 1));
        return new ImageArg(whole, null);
    }

    /** Reads the image's pointer file and resolves the revision. */
    ImageRoot resolve(BlockStore store, ImageArg a) throws IOException {
        Score head = VdiskFile.read(a.file());
        try {
            return History.resolve(store, head, a.rev(), env().zone());
        } catch (History.BadRevisionException e) {
            throw new UsageException(e.getMessage());
        } catch (IOException e) {
            throw new IOException(a.file().getFileName() + (a.rev() == null ? "" : "@" + a.rev())
                + ": " + e.getMessage(), e);
        }
    }

    static void requireVdiskName(Path p) {
        if (!p.getFileName().toString().endsWith(VdiskFile.EXTENSION))
            throw new UsageException(p + ": image files must end in " + VdiskFile.EXTENSION);
    }

    static String bytes(long n) {
        if (n < 1024)
            return n + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
