package io.vdisk.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command in a directory with stdin from /dev/null; output captured. */
public final class Run {
    public record Result(int code, String out) {
    }

    private Run() {
    }

    public static Result exec(Path dir, List<String> cmd) throws Exception {
        Path out = Files.createTempFile(dir, ".out", "");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd + "\n" + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Runs and fails the test unless it exits 0; returns the output. */
    public static String ok(Path dir, String... cmd) throws Exception {
        Result r = exec(dir, List.of(cmd));
        assertEquals(0, r.code(), () -> String.join(" ", cmd) + " failed:\n" + r.out());
        return r.out();
    }

    /** Runs the packaged vdisk program and fails the test unless it exits 0. */
    public static String vdisk(Path dir, String... args) throws Exception {
        Result r = vdiskExec(dir, args);
        assertEquals(0, r.code(), () -> "vdisk " + String.join(" ", args) + " failed:\n" + r.out());
        return r.out();
    }

    /** Runs the packaged vdisk program, whatever its exit code. */
    public static Result vdiskExec(Path dir, String... args) throws Exception {
        List<String> cmd = ServerProcess.vdisk();
        cmd.addAll(List.of(args));
        return exec(dir, cmd);
    }

    public static List<String> list(String... s) {
        return new ArrayList<>(List.of(s));
    }
}
