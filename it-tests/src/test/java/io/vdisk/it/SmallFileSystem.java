package io.vdisk.it;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A tmpfs of a few MiB mounted for one test, to run out of room on; the test is skipped where
 * mounting is refused (no root, no CAP_SYS_ADMIN). Not thread-safe.
 */
public final class SmallFileSystem implements AutoCloseable {
    private final Path dir;

    private SmallFileSystem(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code size} (mount's syntax: "160m") on {@code dir}, created. */
    public static SmallFileSystem mount(Path dir, String size) throws Exception {
        Files.createDirectories(dir);
        Run.Result r = Run.exec(dir.getParent(), List.of("mount", "-t", "tmpfs", "-o",
            "size=" + size, "tmpfs", dir.toString()));
        Assumptions.assumeTrue(r.code() == 0, "cannot mount a tmpfs here: " + r.out());
        return new SmallFileSystem(dir);
    }

    public Path path() {
        return dir;
    }

    /** Fills the file system with a file until {@code left} bytes are free; returns the file. */
    public Path fill(long left) throws Exception {
        Path filler = dir.resolve("filler");
        long free = Files.getFileStore(dir).getUsableSpace() - left;
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (long n = 0; n < free; n += chunk.length)
                out.write(chunk, 0, (int) Math.min(chunk.length, free - n));
        }
        return filler;
    }

    @Override
    public void close() throws Exception {
        Run.exec(dir.getParent(), List.of("umount", "-l", dir.toString()));
    }
}
