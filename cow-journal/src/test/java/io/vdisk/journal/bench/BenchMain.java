package io.vdisk.journal.bench;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link JournalBench} and prints journal/plain ratios next to the targets (0.7 for
 * sequential 1 MiB writes, 0.5 for random 4 KiB writes with a flush every 32). Not thread-safe;
 * a command-line entry point.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
            .include(JournalBench.class.getName() + "\\." + (args.length > 0 ? args[0] : ""))
            .build()).run();
        Map<String, Double> score = new HashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            score.put(name + "/" + r.getParams().getParam("target"),
                r.getPrimaryResult().getScore());
        }
        System.out.println();
        report(score, "sequential1MiB", 1.0, "MiB/s", 0.7);
        report(score, "random4KiBFlushEvery32", 32.0, "writes/s", 0.5);
    }

    private static void report(Map<String, Double> score, String bench, double unitsPerOp,
        String unit, double target) {
        Double j = score.get(bench + "/journal");
        if (j == null) {
            return;
        }
        for (String baseline : new String[]{"plain", "plainFresh"}) {
            Double p = score.get(bench + "/" + baseline);
            if (p != null) {
                System.out.printf(
                    "%-24s journal %9.1f %s  %-10s %9.1f %s  ratio %.2f (target >= %.1f)%n",
                    bench, j * unitsPerOp, unit, baseline, p * unitsPerOp, unit, j / p, target);
            }
        }
    }
}
