package io.vdisk.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.cli.Env;
import io.vdisk.cli.VdiskCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;

/** The command line: subcommands by name, help, usage errors. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Path dir, String... args) {
        Env env = new Env(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err,
            true, StandardCharsets.UTF_8), Clock.systemUTC(), ZoneOffset.UTC, false, dir, 1);
        return Main.run(args, env, false, io.vdisk.cli.StoreSource.OPEN, false);
    }

    @Test
    void eachSubcommandIsListedUnderItsOwnName() {
        for (Map.Entry<String, Class<?>> e : VdiskCommand.SUBCOMMANDS.entrySet())
            assertEquals(e.getKey(), e.getValue().getAnnotation(Command.class).name());
    }

    @Test
    void theSubcommandIsTheFirstWordAfterTheGlobalOptions() {
        assertEquals("export", VdiskCommand.commandName(new String[]{"-C", "import", "export"}));
        assertEquals("info", VdiskCommand.commandName(new String[]{"--store=s", "-Cd", "info"}));
        assertEquals("log", VdiskCommand.commandName(new String[]{"--store", "s", "log", "-n"}));
        assertNull(VdiskCommand.commandName(new String[]{"--help", "import"}));
        assertNull(VdiskCommand.commandName(new String[]{"-C", "dir"}));
    }

    @Test
    void helpListsEveryCommand(@TempDir Path dir) {
        assertEquals(Main.OK, run(dir, "--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String name : VdiskCommand.SUBCOMMANDS.keySet())
            assertTrue(help.contains("\n  " + name + " "), name + " missing from:\n" + help);
    }

    @Test
    void everyCommandTakesHelp(@TempDir Path dir) {
        for (String name : VdiskCommand.SUBCOMMANDS.keySet()) {
            out.reset();
            assertEquals(Main.OK, run(dir, "-C", ".", name, "--help"), name + ": " + err);
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: vdisk " + name),
                out.toString());
        }
    }

    @Test
    void aCommandRunsAfterTheGlobalOptions(@TempDir Path dir) throws Exception {
        Files.createDirectory(dir.resolve("r"));
        assertEquals(Main.OK, run(dir, "-C", "r", "init"), err.toString());
        assertTrue(Files.isDirectory(dir.resolve("r/.vdisk/store")));
        assertEquals(Main.OK, run(dir, "-C", "r", "stats"), err.toString());
    }

    @Test
    void anUnknownCommandIsAUsageError(@TempDir Path dir) {
        assertEquals(Main.USAGE, run(dir, "-C", ".", "imprt", "a", "b.vdisk"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("imprt"), err.toString());
    }
}
