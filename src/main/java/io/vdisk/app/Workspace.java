package io.vdisk.app;

import io.vdisk.image.VdiskFile;
import io.vdisk.venti.DiskBlockStore;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * A vdisk root: a directory whose hidden {@code .vdisk/} folder holds the store
 * ({@code .vdisk/store}) and journals; images are {@code .vdisk} files anywhere below it. Found by
 * walking up from a directory, the way git finds {@code .git}. Immutable, thread-safe.
 */
public final class Workspace {
    public static final String HIDDEN = ".vdisk";
    public static final String STORE = "store";

    private final Path root;
    private final Path store;

    private Workspace(Path root, Path store) {
        this.root = root;
        this.store = store;
    }

    /** A directory that is not inside any vdisk root. */
    public static final class NoRootException extends IOException {
        private static final long serialVersionUID = 1L;

        NoRootException(String m) {
            super(m);
        }
    }

    /**
     * The root at or above {@code from}.
     *
     * @param storeOverride a store elsewhere (--store), or null
     */
    public static Workspace find(Path from, Path storeOverride) throws IOException {
        Path start = from.toAbsolutePath().normalize();
        for (Path d = start; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve(HIDDEN)))
                return new Workspace(d, storeOverride != null
                    ? storeOverride.toAbsolutePath()
                    : d.resolve(HIDDEN).resolve(STORE));
        }
        if (storeOverride != null)
            return new Workspace(start, storeOverride.toAbsolutePath());
        throw new NoRootException(start + ": not in a vdisk root (no " + HIDDEN
            + "/ folder here or above); run 'vdisk init'");
    }

    /** Creates {@code dir/.vdisk/store} (and dir) if missing. */
    public static Workspace init(Path dir, Path storeOverride) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        Files.createDirectories(d.resolve(HIDDEN));
        Workspace w = new Workspace(d, storeOverride != null
            ? storeOverride.toAbsolutePath()
            : d.resolve(HIDDEN).resolve(STORE));
        w.openStore(true).close();
        return w;
    }

    public Path root() {
        return root;
    }

    public Path storePath() {
        return store;
    }

    /** Opens the store; it must exist unless {@code create}. The caller closes it. */
    public DiskBlockStore openStore(boolean create) throws IOException {
        if (!create && !Files.isDirectory(store))
            throw new NoRootException(store + ": no store here; run 'vdisk init " + root + "'");
        return DiskBlockStore.open(store);
    }

    /** Every {@code .vdisk} image file below the root, the hidden folder excluded, sorted. */
    public List<Path> images() throws IOException {
        List<Path> out = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return dir.getFileName() != null && dir.getFileName().toString().equals(HIDDEN)
                    ? FileVisitResult.SKIP_SUBTREE
                    : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && file.getFileName().toString().endsWith(
                    VdiskFile.EXTENSION))
                    out.add(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        out.sort(null);
        return out;
    }

    /** A path for messages: relative to the root when inside it. */
    public String display(Path p) {
        Path a = p.toAbsolutePath().normalize();
        return a.startsWith(root) ? root.relativize(a).toString() : a.toString();
    }
}
