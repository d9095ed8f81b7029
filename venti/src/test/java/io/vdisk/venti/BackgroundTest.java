package io.vdisk.venti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class BackgroundTest {
    /** Field 19 of /proc/thread-self/stat, counted after the command name's parenthesis. */
    private static int niceOfThisThread() throws Exception {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[19 - 3]);
    }

    @Test
    void itsThreadsRunAtTheLowestPriorityAndOthersKeepTheirs() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self")), "not Linux");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/renice")), "no renice");
        int mine = niceOfThisThread();
        ExecutorService pool = Executors.newFixedThreadPool(2, Background.threads("bg-test"));
        try {
            assertEquals(19, (int) pool.submit(BackgroundTest::niceOfThisThread).get());
            assertEquals(19, (int) pool.submit(BackgroundTest::niceOfThisThread).get());
        } finally {
            pool.shutdown();
        }
        assertEquals(mine, niceOfThisThread(), "the caller's priority changed");
    }
}
