package io.vdisk.it.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged vdisk program and the real disk tools in a directory. Not thread-safe. */
final class Sh {
    record Result(int code, String out, String err) {
    }

    private final Path dir;

    Sh(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Runs {@code bash -c script} in the directory; fails the test unless it exits 0. */
    String sh(String script) throws Exception {
        Result r = exec(List.of("bash", "-c", "set -euo pipefail; " + script));
        assertEquals(0, r.code, () -> "script failed: " + script + "\nstdout: " + r.out
            + "\nstderr: " + r.err);
        return r.out;
    }

    Result vdisk(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", System.getProperty(
            "vdisk.home", "../src/target") + "/vdisk.jar"));
        cmd.addAll(List.of(args));
        return exec(cmd);
    }

    /** Runs vdisk and fails the test unless it exits 0; returns stdout. */
    String ok(String... args) throws Exception {
        Result r = vdisk(args);
        assertEquals(0, r.code, () -> "vdisk " + String.join(" ", args) + " failed: " + r.err);
        return r.out;
    }

    private Result exec(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, ".out", "");
        Path err = Files.createTempFile(dir, ".err", "");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
            .redirectError(err.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
            Files.readString(err, StandardCharsets.ISO_8859_1));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    /** A few MB of real files (no symlinks, so mcopy takes them too) under {@code name/data}. */
    void makeTree(String name, String globs) throws Exception {
        sh("mkdir -p " + name + "/data && for d in " + globs + "; do cp -rL \"$d\" " + name
            + "/data/ 2>/dev/null || true; done; find " + name + " -type l -delete; "
            + "find " + name + " -type f -size +1M -delete");
    }

    /** Referenced bytes from {@code vdisk info}. */
    long referenced(String image) throws Exception {
        for (String line : ok("info", image).split("\n")) {
            if (line.startsWith("referenced:"))
                return Long.parseLong(line.split("\\s+")[1]);
        }
        throw new AssertionError("no referenced line");
    }

    /** shared% of an image from {@code vdisk stats}. */
    double sharedPercent(String image) throws Exception {
        for (String line : ok("stats").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f[0].equals(image))
                return Double.parseDouble(f[3].replace("%", ""));
        }
        throw new AssertionError("no stats line for " + image);
    }
}
