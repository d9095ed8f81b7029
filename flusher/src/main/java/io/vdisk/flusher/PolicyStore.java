package io.vdisk.flusher;

import io.vdisk.flusher.internal.Units;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Policies kept as one small text file per image in a directory the application chooses (the
 * vdisk root's {@code .vdisk/policies/}). The file of image {@code a/b.vdisk} is
 * {@code a%2Fb.vdisk.policy}. Files are replaced atomically ({@link AtomicFile}).
 *
 * <pre>
 * # comments and blank lines are ignored
 * version = 1                  (required, first setting)
 * flush-every = 30s            (ms, s, m, h, d or ISO-8601 PT30S)
 * dirty-bytes = 1G             (bytes, K, M, G, T = powers of 1024)
 * snapshot = 0 0 * * * ?       (Quartz cron with seconds; absent = none)
 * keep-last = 3                (also keep-hourly, -daily, -weekly, -monthly, -yearly;
 *                               a number or "unlimited")
 * </pre>
 *
 * Settings left out take {@link Policy#DEFAULT}'s values. Thread-safe (each call reads or
 * replaces whole files; concurrent saves of one image are last-writer-wins).
 */
public final class PolicyStore {
    public static final String SUFFIX = ".policy";
    public static final int VERSION = 1;
    private static final List<String> KEEPS = List.of("keep-last", "keep-hourly", "keep-daily",
        "keep-weekly", "keep-monthly", "keep-yearly");

    private final Path dir;

    public PolicyStore(Path dir) {
        this.dir = dir;
    }

    public Path directory() {
        return dir;
    }

    /** The file holding {@code image}'s policy. */
    public Path fileOf(String image) {
        return dir.resolve(URLEncoder.encode(image, StandardCharsets.UTF_8) + SUFFIX);
    }

    /** The stored policy, or empty if the image has none. */
    public Optional<Policy> load(String image) throws IOException {
        Path f = fileOf(image);
        List<String> lines;
        try {
            lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new PolicyFormatException(f, 0, "not UTF-8 text");
        }
        return Optional.of(parse(f, lines));
    }

    /** The stored policy or {@link Policy#DEFAULT}. */
    public Policy loadOrDefault(String image) throws IOException {
        return load(image).orElse(Policy.DEFAULT);
    }

    /** Every stored policy by image name, sorted. */
    public TreeMap<String, Policy> loadAll() throws IOException {
        TreeMap<String, Policy> all = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return all;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                String n = f.getFileName().toString();
                if (n.endsWith(SUFFIX) && !n.startsWith(".")) {
                    String image = URLDecoder.decode(n.substring(0, n.length() - SUFFIX.length()),
                        StandardCharsets.UTF_8);
                    all.put(image, parse(f, Files.readAllLines(f, StandardCharsets.UTF_8)));
                }
            }
        }
        return all;
    }

    /** Stores {@code policy} for {@code image}, atomically replacing any earlier one. */
    public void save(String image, Policy policy) throws IOException {
        Files.createDirectories(dir);
        AtomicFile.replace(fileOf(image), format(image, policy).getBytes(StandardCharsets.UTF_8));
    }

    /** Removes {@code image}'s policy; returns whether there was one. */
    public boolean delete(String image) throws IOException {
        boolean had = Files.deleteIfExists(fileOf(image));
        if (had) {
            AtomicFile.forceDirectory(dir);
        }
        return had;
    }

    static String format(String image, Policy p) {
        StringBuilder sb = new StringBuilder();
        sb.append("# vdisk policy of ").append(image.replaceAll("[\\r\\n]", "?")).append('\n');
        sb.append("version = ").append(VERSION).append('\n');
        sb.append("flush-every = ").append(Units.formatDuration(p.flushEvery())).append('\n');
        sb.append("dirty-bytes = ").append(Units.formatSize(p.dirtyBytesThreshold())).append('\n');
        p.cron().ifPresent(c -> sb.append("snapshot = ").append(c).append('\n'));
        Retention r = p.retention();
        int[] counts = {r.last(), r.hourly(), r.daily(), r.weekly(), r.monthly(), r.yearly()};
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                sb.append(KEEPS.get(i)).append(" = ")
                    .append(counts[i] == Retention.UNLIMITED ? "unlimited" : counts[i])
                    .append('\n');
            }
        }
        return sb.toString();
    }

    static Policy parse(Path file, List<String> lines) throws PolicyFormatException {
        Duration every = Policy.DEFAULT.flushEvery();
        long dirty = Policy.DEFAULT.dirtyBytesThreshold();
        String cron = null;
        int[] keep = new int[KEEPS.size()];
        Set<String> seen = new HashSet<>();
        boolean versioned = false;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new PolicyFormatException(file, lineNo, "expected 'key = value', found '"
                    + line + "'");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (!seen.add(key)) {
                throw new PolicyFormatException(file, lineNo, "'" + key + "' is set twice");
            }
            if (!versioned && !key.equals("version")) {
                throw new PolicyFormatException(file, lineNo,
                    "expected 'version = " + VERSION + "' before '" + key + "'");
            }
            try {
                switch (key) {
                    case "version" -> {
                        if (!value.equals(Integer.toString(VERSION))) {
                            throw new PolicyFormatException(file, lineNo, "unsupported version '"
                                + value + "' (this program reads version " + VERSION + ")");
                        }
                        versioned = true;
                    }
                    case "flush-every" -> every = Units.parseDuration(value);
                    case "dirty-bytes" -> dirty = Units.parseSize(value);
                    case "snapshot" -> cron = value.isEmpty() || value.equals("none")
                        ? null
                        : value;
                    default -> {
                        int k = KEEPS.indexOf(key);
                        if (k < 0) {
                            throw new PolicyFormatException(file, lineNo, "unknown setting '"
                                + key + "'");
                        }
                        keep[k] = parseCount(value);
                    }
                }
                // check each value where it stands, so the error names its line
                new Policy(every, dirty, cron, Retention.KEEP_ALL);
            } catch (IllegalArgumentException e) {
                throw new PolicyFormatException(file, lineNo, key + ": " + e.getMessage());
            }
        }
        if (!versioned) {
            throw new PolicyFormatException(file, lines.size(), "no 'version = " + VERSION
                + "' line");
        }
        return new Policy(every, dirty, cron,
            new Retention(keep[0], keep[1], keep[2], keep[3], keep[4], keep[5]));
    }

    private static int parseCount(String v) {
        if (v.equals("unlimited")) {
            return Retention.UNLIMITED;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new IllegalArgumentException("a count must not be negative: " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a number or 'unlimited', found '" + v
                + "'");
        }
    }
}
