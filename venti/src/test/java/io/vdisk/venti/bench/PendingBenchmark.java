package io.vdisk.venti.bench;

import io.vdisk.venti.Score;
import io.vdisk.venti.internal.PendingEntries;
import java.util.concurrent.ConcurrentHashMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The index's entries awaiting a commit: {@link PendingEntries} against the
 * {@code ConcurrentHashMap<Score, Long>} it replaced. One op = one new score put into a table
 * that starts empty and ends with {@code size} entries (an import of the bench image puts
 * 162,792), or one lookup of a score put. Run with {@code venti/bench/jmh.sh
 * io.vdisk.venti.bench.PendingBenchmark}.
 */
@State(Scope.Thread)
public class PendingBenchmark {
    private static final int SIZE = 162_792;

    @Param({"162792"})
    int size;
    Score[] scores;
    PendingEntries filledTable;
    ConcurrentHashMap<Score, Long> filledMap;

    @Setup
    public void scores() {
        scores = new Score[size];
        for (int i = 0; i < size; i++)
            scores[i] = IndexBenchmark.score(i);
        filledTable = new PendingEntries();
        filledMap = new ConcurrentHashMap<>();
        for (int i = 0; i < size; i++) {
            filledTable.put(scores[i], i);
            filledMap.put(scores[i], (long) i);
        }
    }

    @Benchmark
    @OperationsPerInvocation(SIZE)
    public PendingEntries putTable() {
        PendingEntries p = new PendingEntries();
        for (int i = 0; i < size; i++)
            p.put(scores[i], i);
        return p;
    }

    @Benchmark
    @OperationsPerInvocation(SIZE)
    public ConcurrentHashMap<Score, Long> putMap() {
        ConcurrentHashMap<Score, Long> m = new ConcurrentHashMap<>();
        for (int i = 0; i < size; i++)
            m.put(scores[i], (long) i);
        return m;
    }

    @Benchmark
    @OperationsPerInvocation(SIZE)
    public long getTable() {
        long sum = 0;
        for (int i = 0; i < size; i++)
            sum += filledTable.get(scores[i]);
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(SIZE)
    public long getMap() {
        long sum = 0;
        for (int i = 0; i < size; i++)
            sum += filledMap.get(scores[i]);
        return sum;
    }
}
