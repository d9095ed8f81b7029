package io.vdisk.flusher;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Atomic, durable replacement of a small file: write a temporary file in the same directory,
 * force it, rename it over the target, force the directory. A crash leaves the old content or
 * the new, never a torn file (a stray temporary file at worst). Thread-safe (stateless);
 * concurrent writers of one file must be serialised by the caller.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /** Replaces (or creates) {@code file} with {@code content}, without a hook. */
    public static void replace(Path file, byte[] content) throws IOException {
        replace(file, content, CrashHook.NONE);
    }

    /**
     * Replaces (or creates) {@code file} with {@code content}, telling the hook
     * {@link CrashHook.Step#AFTER_TEMP_FILE} and {@link CrashHook.Step#AFTER_RENAME}.
     */
    public static void replace(Path file, byte[] content, CrashHook hook) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = tempFor(abs);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        hook.reached(CrashHook.Step.AFTER_TEMP_FILE);
        moveOver(tmp, abs);
        hook.reached(CrashHook.Step.AFTER_RENAME);
    }

    /**
     * The temporary file {@link #replace} writes beside {@code file} (an absolute path): one name
     * per process and file, so the caller serialises writers of one file.
     */
    public static Path tempFor(Path file) {
        return file.resolveSibling("." + file.getFileName() + ".tmp-"
            + ProcessHandle.current().pid());
    }

    /**
     * Renames {@code tmp}, written and forced, over {@code file} (an absolute path) and forces
     * the directory; deletes {@code tmp} if the rename fails.
     */
    public static void moveOver(Path tmp, Path file) throws IOException {
        Path dir = file.getParent();
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw new IOException(dir + ": file system cannot rename atomically", e);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        forceDirectory(dir);
    }

    /** fsync of a directory, so a rename or create in it is durable. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
