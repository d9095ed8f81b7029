package io.vdisk.image;

import io.vdisk.venti.Score;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A {@code .vdisk} pointer file: one line naming the image's current root.
 *
 * <pre>
 * | offset | size | field                                   |
 * |--------|------|-----------------------------------------|
 * | 0      | 6    | "vdisk:" (the magic; format version 1)  |
 * | 6      | 40   | root score, lower-case hex              |
 * | 46     | 1    | "\n" (optional when reading)            |
 * </pre>
 *
 * Writes are atomic and durable: temp file in the same directory, fsync, rename over the target,
 * fsync of the directory. A crash leaves the old or the new score, never a torn file. Thread-safe
 * (stateless); concurrent writers of one file must be serialised by the caller.
 */
public final class VdiskFile {
    public static final String MAGIC = "vdisk:";
    public static final int SCORE_OFFSET = MAGIC.length();
    public static final int LENGTH = SCORE_OFFSET + 2 * Score.SIZE;
    public static final String EXTENSION = ".vdisk";

    private VdiskFile() {
    }

    /** A pointer file that cannot be read or does not hold one well-formed line. */
    public static final class BadPointerFileException extends IOException {
        private static final long serialVersionUID = 1L;

        BadPointerFileException(String message) {
            super(message);
        }
    }

    /** Reads the root score a pointer file names. */
    public static Score read(Path file) throws IOException {
        byte[] b;
        try (InputStream in = Files.newInputStream(file)) {
            b = in.readNBytes(LENGTH + 2);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no such image file");
        }
        int n = b.length;
        if (n > LENGTH && b[LENGTH] == '\n')
            n = n == LENGTH + 1 ? LENGTH : -1;
        else if (n > LENGTH && b[LENGTH] == '\r' && n == LENGTH + 2 && b[LENGTH + 1] == '\n')
            n = LENGTH;
        String s = new String(b, 0, Math.min(b.length, LENGTH), StandardCharsets.ISO_8859_1);
        if (n != LENGTH || !s.startsWith(MAGIC) || !Score.isHex(s.substring(SCORE_OFFSET))) {
            throw new BadPointerFileException(file + ": not a vdisk image file (expected one line '"
                + MAGIC + "<40 hex digits>', found '" + printable(b) + "')");
        }
        return Score.fromHex(s.substring(SCORE_OFFSET));
    }

    /** Atomically replaces (or creates) {@code file} so that it names {@code score}. */
    public static void write(Path file, Score score) throws IOException {
        write(file, score, null, null);
    }

    /**
     * As {@link #write(Path, Score)}, telling crash tests where it is: after the temp file is
     * durable, and after the rename is.
     */
    public static void write(Path file, Score score, Step afterTemp, Step afterRename)
        throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = dir.resolve("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        byte[] line = (MAGIC + score.toHex() + "\n").getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(line));
            ch.force(true);
        }
        if (afterTemp != null) afterTemp.run();
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
        syncDirectory(dir);
        if (afterRename != null) afterRename.run();
    }

    /** A point in {@link #write} a crash test may stop at. */
    @FunctionalInterface
    public interface Step {
        void run() throws IOException;
    }

    /** fsync of a directory, so a rename in it is durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 24); i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f)
                sb.append((char) c);
            else
                sb.append(String.format("\\x%02x", c));
        }
        return b.length > 24 ? sb + "..." : sb.toString();
    }
}
