package io.vdisk.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vdisk policy IMAGE.vdisk [settings]}: shows or changes an image's flush policy. */
@Command(name = "policy", description = "Show or set an image's flush, snapshot and retention policy.")
final class PolicyCommand extends ControlCommandBase {
    @Parameters(paramLabel = "IMAGE.vdisk")
    String image;

    @Option(names = "--flush-every", paramLabel = "DURATION", description = "e.g. 30s, 5m")
    String flushEvery;

    @Option(names = "--dirty-bytes", paramLabel = "SIZE", description = "early flush above this much unflushed data, e.g. 1G (the default)")
    String dirtyBytes;

    @Option(names = "--snapshot", paramLabel = "CRON", description = "Quartz cron with seconds, e.g. '0 0 * * * ?'; 'none' to stop")
    String snapshot;

    @Option(names = "--keep-last", paramLabel = "N")
    String keepLast;
    @Option(names = "--keep-hourly", paramLabel = "N")
    String keepHourly;
    @Option(names = "--keep-daily", paramLabel = "N")
    String keepDaily;
    @Option(names = "--keep-weekly", paramLabel = "N")
    String keepWeekly;
    @Option(names = "--keep-monthly", paramLabel = "N")
    String keepMonthly;
    @Option(names = "--keep-yearly", paramLabel = "N")
    String keepYearly;

    @Override
    public Integer call() throws Exception {
        List<String> s = new ArrayList<>();
        add(s, "flush-every", flushEvery);
        add(s, "dirty-bytes", dirtyBytes);
        if (snapshot != null) s.add(quote("snapshot=" + snapshot));
        add(s, "keep-last", keepLast);
        add(s, "keep-hourly", keepHourly);
        add(s, "keep-daily", keepDaily);
        add(s, "keep-weekly", keepWeekly);
        add(s, "keep-monthly", keepMonthly);
        add(s, "keep-yearly", keepYearly);
        return send("policy", image, String.join(" ", s));
    }

    private static void add(List<String> s, String key, String value) {
        if (value != null) s.add(key + "=" + value);
    }
}
