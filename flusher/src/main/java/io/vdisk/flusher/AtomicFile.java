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
        Path dir = abs.getParent();
        // one temp name per process and file: the caller serialises writers of one file
        Path tmp = dir.resolve("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        hook.reached(CrashHook.Step.AFTER_TEMP_FILE);
        try {
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw new IOException(dir + ": file system cannot rename atomically", e);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        forceDirectory(dir);
        hook.reached(CrashHook.Step.AFTER_RENAME);
    }

    /** fsync of a directory, so a rename or create in it is durable. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
