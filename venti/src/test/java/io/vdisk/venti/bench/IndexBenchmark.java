package io.vdisk.venti.bench;

import io.vdisk.venti.Score;
import io.vdisk.venti.internal.ScoreIndex;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The store's score index on its own: lookups of committed scores, and commits of a batch of
 * new ones into an index of {@code size} entries (what an import's close and the store's
 * background commits pay). Run with {@code venti/bench/jmh.sh
 * io.vdisk.venti.bench.IndexBenchmark}.
 */
public class IndexBenchmark {
    /** Scores of the counter i, so every trial builds the same index. */
    static Score score(long i) {
        byte[] b = new byte[8];
        ByteBuffer.wrap(b).putLong(i);
        return Score.hash(b, 0, 8);
    }

    @State(Scope.Benchmark)
    public static class Index {
        @Param({"1000000"})
        int size;
        /** Entries per commit. */
        @Param({"65536"})
        int batch;
        Path dir;
        ScoreIndex index;
        Score[] committed;
        long next;

        @Setup(Level.Trial)
        public void build() throws IOException {
            dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/tmp")),
                "index");
            index = ScoreIndex.open(dir);
            committed = new Score[size];
            for (int i = 0; i < size; i++) {
                committed[i] = score(i);
                index.put(committed[i], i);
                if ((i + 1) % (1 << 18) == 0) index.commit(i, new long[5]);
            }
            index.commit(size, new long[5]);
            next = size;
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            index.close();
            try (var files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator)
                    Files.delete(p);
            }
            Files.delete(dir);
        }
    }

    /**
     * An index like {@link Index}, per thread: commits of one index are serialized (a second
     * one at once is refused), so each of jmh.sh's threads commits into its own. A batch of new
     * scores is staged before each commit.
     */
    @State(Scope.Thread)
    public static class Staged extends Index {
        @Setup(Level.Invocation)
        public void stage() {
            for (int i = 0; i < batch; i++, next++)
                index.put(score(next), next);
        }
    }

    /** One op = one lookup of a committed score. */
    @Benchmark
    public long get(Index s) {
        return s.index.get(s.committed[ThreadLocalRandom.current().nextInt(s.size)]);
    }

    /** One op = one commit of {@code batch} new entries. */
    @Benchmark
    public void commit(Staged s) throws IOException {
        s.index.commit(s.next, new long[5]);
    }
}
