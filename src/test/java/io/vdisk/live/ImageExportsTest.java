package io.vdisk.live;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.app.Workspace;
import io.vdisk.image.Image;
import io.vdisk.image.ImageBuilder;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.Kind;
import io.vdisk.image.Region;
import io.vdisk.image.VdiskFile;
import io.vdisk.flusher.Flusher;
import io.vdisk.journal.JournalOptions;
import io.vdisk.journal.internal.LogFormat;
import io.vdisk.nbd.NbdExport;
import io.vdisk.venti.MemoryBlockStore;
import io.vdisk.venti.Score;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NBD exports of images that are not open: size and reads come from the head root with no
 * journal opened, the first write opens the image, reads then go through it, and a flush on a
 * connection that never wrote still covers what other connections wrote (CAN_MULTI_CONN).
 */
class ImageExportsTest {
    private static final int SIZE = 256 << 10;

    @TempDir
    Path dir;
    private final MemoryBlockStore store = new MemoryBlockStore();
    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private LiveImages images;
    private ImageExports exports;
    private byte[] content;

    @BeforeEach
    void image() throws Exception {
        Workspace w = Workspace.init(dir, null);
        images = new LiveImages(w, store, JournalOptions.builder());
        exports = new ImageExports(images, ZoneId.of("UTC"));
        content = new byte[SIZE];
        new Random(3).nextBytes(content);
        ImageRoot root = new ImageBuilder(store, pool, 2).build("img", SIZE,
            List.of(Region.raw(0, SIZE, 4096, 0, "raw")),
            (off, dst, o, len) -> System.arraycopy(content, (int) off, dst, o, len),
            Kind.IMPORT, "import", Score.ZERO, 0);
        VdiskFile.write(dir.resolve("vm.vdisk"), root.score());
    }

    @AfterEach
    void close() throws Exception {
        images.close();
        pool.shutdownNow();
    }

    @Test
    void aSizeAskedOpensNoJournal() throws Exception {
        try (NbdExport e = exports.open("vm.vdisk")) {
            assertEquals(SIZE, e.size());
            assertFalse(e.readOnly());
            assertNull(images.ifOpen("vm.vdisk"));
        }
        assertNull(images.ifOpen("vm.vdisk"));
        assertFalse(Files.exists(images.journalDir("vm.vdisk")), "no journal made");
    }

    /** Reads come from the head root until the image is opened, then through it. */
    @Test
    void readsOpenNothingAndTheFirstWriteOpensTheImage() throws Exception {
        try (NbdExport reader = exports.open("vm.vdisk");
            NbdExport writer = exports.open("vm.vdisk")) {
            ByteBuffer got = ByteBuffer.allocate(SIZE);
            reader.read(0, got);
            assertArrayEquals(content, got.array());
            assertTrue(reader.extents(0, SIZE).stream().noneMatch(NbdExport.Extent::zero));
            assertNull(images.ifOpen("vm.vdisk"), "reads open nothing");

            byte[] block = new byte[4096];
            writer.write(4096, ByteBuffer.wrap(block));
            LiveImage img = images.ifOpen("vm.vdisk");
            assertNotNull(img, "the first write opens the image");
            assertTrue(img.openForWriting(), "the writing connection counts as a writer");
            ByteBuffer again = ByteBuffer.allocate(4096);
            reader.read(4096, again);
            assertArrayEquals(block, again.array(), "the reader sees the other's write");
        }
        assertFalse(images.ifOpen("vm.vdisk").openForWriting(), "released at close");
    }

    @Test
    void aFlushCoversWritesMadeOnAnotherConnection() throws Exception {
        try (NbdExport idle = exports.open("vm.vdisk");
            NbdExport writer = exports.open("vm.vdisk")) {
            // A force checkpoints the length the force before it made durable, so it takes
            // two flushes for the first write to show in a checkpoint slot.
            writer.write(4096, ByteBuffer.wrap(new byte[4096]));
            idle.flush();
            writer.write(8192, ByteBuffer.wrap(new byte[4096]));
            assertEquals(LogFormat.HEADER_SIZE, checkpoint(), "nothing checkpointed yet");
            idle.flush();
            assertEquals(LogFormat.HEADER_SIZE + LogFormat.RECORD_HEADER_SIZE + 4096,
                checkpoint(), "the flushes on the idle connection forced the first write");
        }
    }

    /**
     * An image no one uses, its writes committed, is closed; a reader that read it before it
     * was opened then sees what it committed, not the root it started with; and its next
     * writer opens it anew.
     */
    @Test
    void anIdleImageIsClosedAndItsReadersSeeItsCommits() throws Exception {
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneId.of("UTC"));
        byte[] block = new byte[4096];
        Arrays.fill(block, (byte) 9);
        try (NbdExport reader = exports.open("vm.vdisk")) {
            ByteBuffer before = ByteBuffer.allocate(4096);
            reader.read(8192, before);
            assertArrayEquals(Arrays.copyOfRange(content, 8192, 12288), before.array());

            LiveImage first;
            try (NbdExport writer = exports.open("vm.vdisk")) {
                writer.write(8192, ByteBuffer.wrap(block));
                first = images.ifOpen("vm.vdisk");
                assertFalse(images.closeIfIdle("vm.vdisk", img -> {
                }), "in use");
            }
            assertFalse(images.closeIfIdle("vm.vdisk", img -> {
            }), "its journal holds a write");
            flusher.flush(new LiveTarget(first));
            List<String> forgotten = new ArrayList<>();
            assertTrue(images.closeIfIdle("vm.vdisk", img -> forgotten.add(img.name())));
            assertEquals(List.of("vm.vdisk"), forgotten);
            assertNull(images.ifOpen("vm.vdisk"));
            assertTrue(first.retired());

            ByteBuffer after = ByteBuffer.allocate(4096);
            reader.read(8192, after);
            assertArrayEquals(block, after.array(), "read from the committed root");

            try (NbdExport writer = exports.open("vm.vdisk")) {
                writer.write(0, ByteBuffer.wrap(block));
                LiveImage second = images.ifOpen("vm.vdisk");
                assertNotNull(second, "opened anew");
                assertNotSame(first, second);
            }
        }
    }

    /**
     * Clients come and go while the image is flushed and closed whenever it is idle, both
     * between rounds (when it must close) and at any moment during them: every write is read
     * back, by its writer and at the end, and no request fails.
     */
    @Test
    void closingWhileClientsComeAndGoLosesNothing() throws Exception {
        Flusher flusher = new Flusher(Clock.systemUTC(), ZoneId.of("UTC"));
        int workers = 3;
        int rounds = 40;
        byte[] model = content.clone();
        String key = images.key("vm.vdisk");
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Runnable closeIfIdle = () -> {
            try {
                LiveImage img = images.acquireIfOpen(key);
                if (img != null) {
                    try {
                        flusher.flush(new LiveTarget(img));
                    } finally {
                        img.release(false);
                    }
                }
                flusher.exclusive(key, () -> images.closeIfIdle(key, i -> {
                }));
            } catch (Throwable t) {
                failures.add(t);
            }
        };
        Thread closer = new Thread(() -> {
            while (!stop.get())
                closeIfIdle.run();
        });
        closer.start();
        ExecutorService clients = Executors.newFixedThreadPool(workers);
        try {
            for (int round = 0; round < rounds; round++) {
                List<Future<?>> done = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int worker = w;
                    int r = round;
                    done.add(clients.submit(() -> {
                        byte[] block = new byte[4096];
                        Arrays.fill(block, (byte) (r * workers + worker + 1));
                        long at = (long) (worker * 16 + r % 16) * 4096;
                        try (NbdExport writer = exports.open("vm.vdisk");
                            NbdExport reader = exports.open("vm.vdisk")) {
                            writer.write(at, ByteBuffer.wrap(block));
                            writer.flush();
                            ByteBuffer got = ByteBuffer.allocate(4096);
                            reader.read(at, got);
                            assertArrayEquals(block, got.array(), "round " + r);
                        }
                        System.arraycopy(block, 0, model, (int) at, 4096);
                        return null;
                    }));
                }
                for (Future<?> f : done)
                    f.get();
                closeIfIdle.run(); // may lose to the closer thread, which then closed it
                LiveImage img = images.ifOpen("vm.vdisk");
                assertTrue(img == null || img.retired() || !img.openForWriting(),
                    "round " + round);
            }
        } finally {
            stop.set(true);
            closer.join();
            clients.shutdownNow();
        }
        assertEquals(List.of(), failures);
        assertTrue(images.closes(key) > 0, "closed at least once");
        try (NbdExport e = exports.open("vm.vdisk")) {
            ByteBuffer all = ByteBuffer.allocate(SIZE);
            e.read(0, all);
            assertArrayEquals(model, all.array());
        }
        ByteBuffer committed = ByteBuffer.allocate(SIZE);
        new ImageBase(Image.of(store, images.headRoot("vm.vdisk"))).read(0, committed);
        assertArrayEquals(model, committed.array(), "the root the .vdisk file names");
    }

    /** The largest checkpoint of the image's generation log (its header size if none). */
    private long checkpoint() throws Exception {
        Path journal = images.journalDir("vm.vdisk");
        Path log;
        try (var files = Files.list(journal)) {
            log = files.filter(p -> LogFormat.parseFileName(p.getFileName().toString()) >= 0)
                .findFirst().orElseThrow();
        }
        ByteBuffer h = ByteBuffer.allocate(LogFormat.HEADER_SIZE);
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            ch.read(h, 0);
        }
        long best = LogFormat.HEADER_SIZE;
        for (int slot = 0; slot < 2; slot++)
            best = Math.max(best, h.getLong(LogFormat.SLOT0_OFFSET + slot * LogFormat.SLOT_SIZE));
        return best;
    }
}
