package io.vdisk.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code vdisk} launcher script itself, as a user runs it (the other ITs run the jar). */
class LauncherIT {
    private static final Path REPO = Path.of(System.getProperty("vdisk.repo", ".."))
        .toAbsolutePath().normalize();
    private static final Path LAUNCHER = REPO.resolve("vdisk");
    private static final Path TARGET = REPO.resolve("src/target");

    private record Result(int code, String out) {
    }

    private static Result launch(Path dir, String javaOpts, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
            .redirectErrorStream(true);
        pb.environment().put("VDISK_JAVA_OPTS", javaOpts);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Linked from a bin directory, the launcher still finds the build it belongs to. */
    @Test
    void runsThroughASymbolicLink(@TempDir Path dir) throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("vdisk"), LAUNCHER);
        Process p = new ProcessBuilder(link.toString(), "--version").directory(dir.toFile())
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("vdisk "), out);
        Files.delete(link); // JUnit warns of links out of its directory
    }

    /**
     * The LZ4 and zstd libraries load from src/target/native, where the build unpacked them, and
     * not from copies in /tmp.
     */
    @Test
    void loadsTheNativeLibrariesTheBuildUnpacked(@TempDir Path dir) throws Exception {
        assertEquals(0, launch(dir, "", "init", "root").code());
        Files.writeString(dir.resolve("disk.raw"), "a line of a raw disk\n".repeat(50_000));
        Result r = launch(dir, "-Xlog:library=info", "-C", "root", "import", dir.resolve(
            "disk.raw").toString(), "disk.vdisk");
        assertEquals(0, r.code(), r.out());
        String nat = TARGET.resolve("native").toString();
        assertTrue(r.out().lines().anyMatch(l -> l.contains("Loaded library " + nat)
            && l.contains("liblz4-java.so")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains("Loaded library " + nat)
            && l.contains("libzstd-jni-")), r.out());
        // and no copy of either from elsewhere (the jars copy them to java.io.tmpdir)
        assertTrue(r.out().lines().filter(l -> l.contains("Loaded library ")).filter(l -> l
            .contains("lz4") || l.contains("zstd")).allMatch(l -> l.contains(
                "Loaded library " + nat + "/")),
            r.out());
    }

    /**
     * The JVM refuses a class-data archive once any jar on its class path has changed, silently
     * unless told -Xshare:on; the launcher makes the archive again instead of running without.
     * A jar may change to a newer time (a build) or an older one (a copy that kept its time).
     */
    @ParameterizedTest
    @ValueSource(longs = {1_000, -86_400_000})
    void makesTheClassDataArchiveAgainWhenALibraryJarChanges(long shift, @TempDir Path dir)
        throws Exception {
        assertEquals(0, launch(dir, "", "--version").code()); // the archive exists after this
        Path archive;
        try (Stream<Path> s = Files.list(TARGET)) {
            archive = s.filter(p -> p.getFileName().toString().matches("vdisk-.*\\.jsa"))
                .findFirst().orElseThrow(() -> new AssertionError("no archive in " + TARGET));
        }
        Path jar;
        try (Stream<Path> s = Files.list(TARGET.resolve("lib"))) {
            jar = s.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow(
                () -> new AssertionError("no jar in " + TARGET.resolve("lib")));
        }
        FileTime archived = Files.getLastModifiedTime(archive);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(archived.toMillis() + shift));
        Thread.sleep(1_100); // the new archive's time must differ from the old one's
        Result r = launch(dir, "-Xshare:on", "--version");
        assertEquals(0, r.code(), "the JVM refused the archive: " + r.out());
        assertTrue(Files.getLastModifiedTime(archive).compareTo(archived) > 0,
            "archive not made again");
    }
}
