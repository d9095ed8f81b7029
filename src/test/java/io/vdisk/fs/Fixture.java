package io.vdisk.fs;

import io.vdisk.app.Workspace;
import io.vdisk.image.ImageBuilder;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.Kind;
import io.vdisk.image.Region;
import io.vdisk.image.VdiskFile;
import io.vdisk.journal.JournalOptions;
import io.vdisk.live.Control;
import io.vdisk.live.LiveImages;
import io.vdisk.ninep.Caller;
import io.vdisk.ninep.NinePClient;
import io.vdisk.ninep.NinePServer;
import io.vdisk.venti.MemoryBlockStore;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A vdisk root in a temp directory with a memory store, served by {@link VdiskFs} over TCP, and
 * a client attached as fid {@link #root}. Not thread-safe; one per test.
 */
final class Fixture implements AutoCloseable {
    /** The import time of every image: /.snapshots/2026/1125/103000/ in UTC. */
    static final Instant IMPORTED = Instant.parse("2026-11-25T10:30:00Z");

    final Path dir;
    final Workspace workspace;
    final MemoryBlockStore store = new MemoryBlockStore();
    final LiveImages images;
    final RecordingControl control = new RecordingControl();
    final NinePServer server;
    final NinePClient client;
    /** The client's fid of the root. */
    final int root;
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    Fixture(Path dir) throws IOException {
        this.dir = dir;
        this.workspace = Workspace.init(dir, null);
        this.images = new LiveImages(workspace, store, JournalOptions.builder());
        this.server = NinePServer.builder(new VdiskFs(images, control, ZoneId.of("UTC"))).start();
        this.client = NinePClient.connect(server.localAddress());
        this.root = client.newFid();
        client.attach(root, "nobody", Caller.NO_UID, "");
    }

    /** Seeded random disk content with a run of zeros in the middle (a hole in the tree). */
    static byte[] disk(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        java.util.Arrays.fill(b, size / 4, size / 2, (byte) 0);
        return b;
    }

    /** Imports {@code content} as image {@code rel} (like 'vdisk import', at {@link #IMPORTED}). */
    ImageRoot image(String rel, byte[] content) throws IOException {
        Path file = dir.resolve(rel);
        Files.createDirectories(file.getParent());
        ImageRoot root = new ImageBuilder(store, pool, 4).build("img", content.length, List.of(
            Region.raw(0, content.length, 4096, 0, "raw")),
            (off, dst, o, len) -> System
                .arraycopy(content, (int) off, dst, o, len),
            Kind.IMPORT, "import", Score.ZERO,
            IMPORTED.toEpochMilli());
        VdiskFile.write(file, root.score());
        return root;
    }

    /** A fid walked from the root. */
    int walk(String path) throws IOException {
        return client.walk(root, path);
    }

    /** Opens {@code path} and reads it whole. */
    byte[] read(String path) throws IOException {
        int fid = walk(path);
        try {
            client.lopen(fid, NinePClient.O_RDONLY);
            return client.readAll(fid);
        } finally {
            client.clunk(fid);
        }
    }

    /** @return the names in directory {@code path} */
    List<String> ls(String path) throws IOException {
        int fid = walk(path);
        try {
            client.lopen(fid, NinePClient.O_RDONLY);
            return client.readdir(fid).stream().map(e -> e.name()).toList();
        } finally {
            client.clunk(fid);
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
        images.close();
        pool.shutdownNow();
    }

    /**
     * A control that records each command and answers "ok: LINE"; "bad", "fail", "full" (an
     * I/O failure wrapped in a runtime exception, as MapDB's are) and "busy" fail.
     */
    static final class RecordingControl implements Control {
        final List<String> lines = new CopyOnWriteArrayList<>();

        @Override
        public String execute(String line) throws IOException {
            lines.add(line);
            if (line.startsWith("bad")) {
                throw new IllegalArgumentException("unknown command '" + line + "'");
            }
            if (line.startsWith("fail")) {
                throw new IOException("it failed");
            }
            if (line.startsWith("full")) {
                throw new java.io.UncheckedIOException(
                    new IOException("No space left on device"));
            }
            if (line.startsWith("busy")) {
                throw new IllegalStateException("vm.vdisk is open for writing");
            }
            return "ok: " + line;
        }
    }
}
