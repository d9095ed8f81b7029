package io.vdisk.journal.bench;

import io.vdisk.journal.BaseImage;
import io.vdisk.journal.Generation;
import io.vdisk.journal.Journal;
import io.vdisk.journal.JournalOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The journal against a plain file written with {@link FileChannel} in the same directory, so
 * on the same disk. Both sides are durable at the same points: the sequential benchmark forces
 * every {@value #DURABLE_EVERY} bytes (the journal by sealing, as a flusher would, then
 * releasing at once onto an unchanged base so the log does not grow without bound); the random
 * one calls flush() / force(false) after every 32 writes. Two baselines: {@code plain} is
 * preallocated and overwritten in place (no block allocation, pages stay cached);
 * {@code plainFresh} starts empty and, like the journal's logs, is replaced by a new file at
 * every durable point. Run through {@code bench/run.sh}, which prints the ratios.
 *
 * <p>
 * Not thread-safe: JMH gives each benchmark thread its own state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 4)
public class JournalBench {
    static final long REGION = 256L << 20;
    static final long DURABLE_EVERY = 256L << 20;
    static final int MIB = 1 << 20;
    static final int BS = 4096;

    @Param({"journal", "plain", "plainFresh"})
    public String target;

    private Path dir;
    private FileChannel plain;
    private Journal journal;
    private BaseImage base;
    private final ByteBuffer mib = ByteBuffer.allocateDirect(MIB);
    private final ByteBuffer block = ByteBuffer.allocateDirect(BS);
    private final SplittableRandom rnd = new SplittableRandom(7);
    private long seqPos;
    private long sinceDurable;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path parent = Path.of(System.getProperty("bench.dir", "target"));
        Files.createDirectories(parent);
        dir = Files.createTempDirectory(parent.toAbsolutePath(), "journal-bench-");
        byte[] noise = new byte[MIB];
        new java.util.Random(1).nextBytes(noise);
        mib.put(noise).flip();
        block.put(noise, 0, BS).flip();
        if (target.equals("plain")) {
            plain = FileChannel.open(dir.resolve("plain.img"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
            for (long p = 0; p < REGION; p += MIB) {
                plain.write(mib.duplicate(), p);
            }
            plain.force(false);
        } else {
            base = BaseImage.zeros(REGION);
            journal = Journal.open(dir.resolve("journal"), base, "base",
                JournalOptions.builder().maxDirtyBytes(4L << 30).build());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (plain != null) {
            plain.close();
        }
        if (journal != null) {
            journal.close();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One op = one 1 MiB write at the next sequential offset. */
    @Benchmark
    public void sequential1MiB() throws IOException {
        if (plain != null) {
            ByteBuffer b = mib.duplicate();
            while (b.hasRemaining()) {
                plain.write(b, seqPos + b.position());
            }
        } else {
            journal.write(seqPos, mib.duplicate());
        }
        seqPos = (seqPos + MIB) % REGION;
        sinceDurable += MIB;
        if (sinceDurable >= DURABLE_EVERY) {
            sinceDurable = 0;
            durablePoint();
        }
    }

    /** One op = 32 random block-aligned 4 KiB writes followed by one flush. */
    @Benchmark
    public void random4KiBFlushEvery32() throws IOException {
        for (int i = 0; i < 32; i++) {
            long off = rnd.nextLong(REGION / BS) * BS;
            if (plain != null) {
                plain.write(block.duplicate(), off);
            } else {
                journal.write(off, block.duplicate());
            }
        }
        if (plain != null) {
            plain.force(false);
        } else {
            journal.flush();
            sinceDurable += 32L * BS;
            if (sinceDurable >= DURABLE_EVERY) {
                sinceDurable = 0;
                durablePoint();
            }
        }
    }

    private FileChannel openPlain() throws IOException {
        Path f = dir.resolve("plain.img");
        Files.deleteIfExists(f);
        return FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    }

    private void durablePoint() throws IOException {
        if (plain != null) {
            plain.force(false);
            if (target.equals("plainFresh")) {
                plain.close();
                plain = openPlain();
            }
        } else {
            Generation g = journal.seal();
            journal.release(g, base, "base");
        }
    }
}
