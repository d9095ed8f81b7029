package io.vdisk.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** PlainArgs sets every field as picocli does, or leaves the command line to picocli. */
class PlainArgsTest {
    private static final Env ENV = new Env(new PrintStream(OutputStream.nullOutputStream()),
        new PrintStream(OutputStream.nullOutputStream()), Clock.systemUTC(), ZoneOffset.UTC, false,
        Path.of("/tmp"), 1);

    private static final List<String[]> PLAIN = List.of(
        new String[]{"-C", "d", "import", "a.img", "b.vdisk"},
        new String[]{"import", "--exact", "--block-size", "512", "-m", "two words",
            "--threads=3", "a", "b.vdisk"},
        new String[]{"import", "a", "--message=m", "b.vdisk", "--block-size=65536"},
        new String[]{"--store", "s", "-C", "d", "export", "x.vdisk@2", "out.raw"},
        new String[]{"cat", "x.vdisk"},
        new String[]{"info", "x.vdisk@-1"},
        new String[]{"log", "x.vdisk"},
        new String[]{"clone", "a.vdisk@3", "b.vdisk"},
        new String[]{"verify"},
        new String[]{"verify", "a.vdisk"},
        new String[]{"stats"},
        new String[]{"serve"},
        new String[]{"serve", "--9p", "off", "--nbd=0.0.0.0:1", "dir"},
        new String[]{"flush"},
        new String[]{"flush", "a.vdisk"},
        new String[]{"snapshot", "a.vdisk", "-m", "x"},
        new String[]{"snapshot", "a.vdisk"},
        new String[]{"rollback", "a.vdisk", "@1", "--force"},
        new String[]{"policy", "a.vdisk", "--flush-every", "30s", "--keep-last", "3",
            "--snapshot", "0 0 * * * ?"},
        new String[]{"init"},
        new String[]{"init", "dir"});

    /** Help, mistakes and whatever is not plain: picocli's to parse and to explain. */
    private static final List<String[]> LEFT_TO_PICOCLI = List.of(
        new String[]{},
        new String[]{"--version"},
        new String[]{"-C", "d"},
        new String[]{"bogus"},
        new String[]{"-X", "import", "a", "b"},
        new String[]{"import", "--help"},
        new String[]{"import", "-h", "a", "b"},
        new String[]{"import", "a"},
        new String[]{"import", "a", "b", "c"},
        new String[]{"import", "--exact", "--exact", "a", "b"},
        new String[]{"import", "--block-size", "x", "a", "b"},
        new String[]{"import", "--block-size", "a", "b"},
        new String[]{"import", "--exact=true", "a", "b"},
        new String[]{"import", "--", "a", "b"},
        new String[]{"import", "-m", "-x", "a", "b"},
        new String[]{"import", "-m="},
        new String[]{"-C", "d", "-C", "e", "init"},
        new String[]{"cat"},
        new String[]{"clone", "a.vdisk"});

    @Test
    void plainCommandLinesSetWhatPicocliSets() throws Exception {
        for (String[] args : PLAIN) {
            VdiskCommand top = new VdiskCommand(ENV);
            Callable<Integer> mine = PlainArgs.parse(top, args);
            assertNotNull(mine, Arrays.toString(args));

            VdiskCommand picoTop = new VdiskCommand(ENV);
            CommandLine cl = new CommandLine(picoTop);
            for (Class<?> c : VdiskCommand.SUBCOMMANDS.values())
                cl.addSubcommand(c);
            Object theirs = cl.parseArgs(args).subcommand().commandSpec().userObject();

            assertSame(theirs.getClass(), mine.getClass(), Arrays.toString(args));
            assertEquals(picoTop.directory, top.directory, Arrays.toString(args));
            assertEquals(picoTop.store, top.store, Arrays.toString(args));
            for (Class<?> c = mine.getClass(); c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (!f.isAnnotationPresent(Option.class)
                        && !f.isAnnotationPresent(Parameters.class)) continue;
                    f.setAccessible(true);
                    assertEquals(f.get(theirs), f.get(mine), f.getName() + " of "
                        + Arrays.toString(args));
                }
            }
            if (mine instanceof CommandBase b) assertSame(top, b.parent);
        }
    }

    @Test
    void anythingElseIsLeftToPicocli() {
        for (String[] args : LEFT_TO_PICOCLI)
            assertNull(PlainArgs.parse(new VdiskCommand(ENV), args), Arrays.toString(args));
    }

    /**
     * The build's table says what the annotations say, for every field of every subcommand (the
     * build wrote it before the tests run; without it, commands read the annotations).
     */
    @Test
    void theBuildsTableMatchesTheAnnotations() throws Exception {
        for (Class<?> type : VdiskCommand.SUBCOMMANDS.values()) {
            List<PlainArgs.Spec> table = PlainArgs.fromTable(type);
            assertNotNull(table, type + " is not in " + PlainArgs.TABLE);
            assertEquals(PlainArgs.fromAnnotations(type), table, type.getName());
        }
    }
}
