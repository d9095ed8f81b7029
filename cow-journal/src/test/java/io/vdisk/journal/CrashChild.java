package io.vdisk.journal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The victim of {@link JournalCrashTest}: runs a {@link CrashScript} until killed, printing
 * {@code W n} after write n returned and {@code F n} after a flush covering writes 1..n
 * returned. It also plays flusher: seal, write the new base image to a file, switch
 * {@code HEAD} to it (write-temp, fsync, rename, fsync directory), then release (which keeps
 * the log as a spare that a later seal reuses). Arguments: root, seed, and optionally the
 * {@link CrashScript} seal percentage. Not thread-safe; a process of its own.
 */
public final class CrashChild {
    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int sealPercent = args.length > 2 ? Integer.parseInt(args[2]) : CrashScript.SEAL_PERCENT;
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
            true);
        int tag = 0;
        CrashScript script = new CrashScript(seed, sealPercent);
        try (Journal j = Journal.open(root.resolve("journal"), loadBase(root, tag), "t" + tag,
            JournalOptions.builder().blockSize(CrashScript.BS).build())) {
            out.println("READY");
            while (true) {
                CrashScript.Op op = script.next();
                switch (op.kind()) {
                    case WRITE -> j.write(op.offset(), ByteBuffer.wrap(op.data()));
                    case ZERO -> j.zero(op.offset(), op.length());
                    case FLUSH -> j.flush();
                    case SEAL_COMMIT_RELEASE -> {
                        Generation g = j.seal();
                        byte[] next = new byte[(int) g.size()];
                        g.read(0, ByteBuffer.wrap(next));
                        tag++;
                        writeDurably(root, "base-" + tag, next);
                        writeDurably(root, "HEAD", Integer.toString(tag).getBytes());
                        j.release(g, new ByteArrayBase(next), "t" + tag);
                    }
                }
                out.println(op.kind() == CrashScript.Kind.FLUSH
                    ? "F " + op.index()
                    : "W " + op.index());
            }
        }
    }

    /** The base named by HEAD (tag 0 = zeros), as the parent also loads it. */
    static BaseImage loadBase(Path root, int tag) throws IOException {
        if (tag == 0) {
            return BaseImage.zeros(CrashScript.SIZE);
        }
        return new ByteArrayBase(Files.readAllBytes(root.resolve("base-" + tag)));
    }

    static int head(Path root) throws IOException {
        Path h = root.resolve("HEAD");
        return Files.exists(h) ? Integer.parseInt(Files.readString(h).trim()) : 0;
    }

    private static void writeDurably(Path root, String name, byte[] bytes) throws IOException {
        Path tmp = root.resolve(name + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, root.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(root, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
