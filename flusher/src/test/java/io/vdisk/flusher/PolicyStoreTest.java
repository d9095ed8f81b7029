package io.vdisk.flusher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Policy files: round trips, defaults, and one test per parse rule naming file and line. */
class PolicyStoreTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsEverySetting() throws Exception {
        PolicyStore s = new PolicyStore(tmp.resolve("policies"));
        Policy p = Policy.DEFAULT.withFlushEvery(Duration.ofMillis(1500))
            .withDirtyBytesThreshold(64 << 20).withSnapshotCron("0 0 * * * ?")
            .withRetention(new Retention(3, 24, 7, Retention.UNLIMITED, 12, 2));
        s.save("vms/a b.vdisk", p);
        assertEquals(p, s.load("vms/a b.vdisk").orElseThrow());
        assertEquals(Map.of("vms/a b.vdisk", p), s.loadAll());
        assertTrue(s.delete("vms/a b.vdisk"));
        assertFalse(s.load("vms/a b.vdisk").isPresent());
        assertEquals(Policy.DEFAULT, s.loadOrDefault("vms/a b.vdisk"));
    }

    @Test
    void leftOutSettingsTakeTheDefaults() throws Exception {
        PolicyStore s = new PolicyStore(tmp);
        Files.writeString(s.fileOf("x.vdisk"), "# hi\n\nversion = 1\nkeep-daily = 7\n");
        Policy p = s.load("x.vdisk").orElseThrow();
        assertEquals(Duration.ofSeconds(30), p.flushEvery());
        assertEquals(new Retention(0, 0, 7, 0, 0, 0), p.retention());
        assertTrue(p.cron().isEmpty());
    }

    @Test
    void errorsNameTheFileAndTheLine() throws Exception {
        assertError("version = 1\nflush-every = soon\n", 2, "bad duration");
        assertError("version = 1\n\nsnapshot = 0 0 * * *\n", 3, "bad cron expression");
        assertError("version = 1\nkeep-daily = -1\n", 2, "negative");
        assertError("version = 1\nkeep-daily = lots\n", 2, "expected a number");
        assertError("version = 1\ncolour = red\n", 2, "unknown setting 'colour'");
        assertError("version = 1\nkeep-last = 1\nkeep-last = 2\n", 3, "set twice");
        assertError("keep-last = 1\n", 1, "expected 'version = 1'");
        assertError("version = 2\n", 1, "unsupported version");
        assertError("version = 1\nflush-every 30s\n", 2, "expected 'key = value'");
        assertError("version = 1\nflush-every = 0s\n", 2, "must be positive");
        assertError("version = 1\ndirty-bytes = 12Q\n", 2, "bad size");
        assertError("# empty\n", 1, "no 'version = 1' line");
    }

    private void assertError(String text, int line, String what) throws Exception {
        PolicyStore s = new PolicyStore(tmp);
        Path f = s.fileOf("bad.vdisk");
        Files.writeString(f, text);
        PolicyFormatException e = assertThrows(PolicyFormatException.class,
            () -> s.load("bad.vdisk"));
        assertTrue(e.getMessage().startsWith(f + ":" + line + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(what), e.getMessage());
    }
}
