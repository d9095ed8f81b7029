package io.vdisk.cli;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Reads a plain command line straight into a subcommand's annotated fields, as picocli would,
 * without picocli: building its model took 0.1-0.18 s of each command's start (its 171 classes
 * are Java 5 class files, which the class-data archive cannot hold). Anything it is not sure
 * of (help, an unknown or repeated option, a value that does not convert, a missing or extra
 * parameter, "--") it leaves to picocli, whose parsing and messages stay the reference.
 *
 * <p>The annotations themselves are read at build time: {@link #main} writes what they say to
 * {@value #TABLE} next to this class, and a run reads that. Read at run time (a proxy class
 * generated per annotation type), they kept an import's main thread 45-60 ms longer before it
 * could open the store. Without the table (classes not built by Maven), the annotations are
 * read. Thread-safe: a server runs the command lines of its clients.
 */
public final class PlainArgs {
    /** What {@link Option#defaultValue} holds when none is given. */
    private static final String NO_DEFAULT = "__no_default_value__";
    /** The build's table of annotated fields, a resource beside this class. */
    static final String TABLE = "plain-args.tsv";

    /**
     * An annotated field: kind 'R' ({@code @ParentCommand}), 'O' ({@code @Option}: names,
     * default, arity, split) or 'P' ({@code @Parameters}: index, arity, split).
     */
    record Spec(Field field, char kind, List<String> names, String defaultValue, String arity,
        String split, String index) {
    }

    private PlainArgs() {
    }

    /**
     * @return the subcommand with its fields set, or null to let picocli parse {@code args}
     */
    public static Callable<Integer> parse(VdiskCommand top, String[] args) {
        int i = 0;
        for (; i < args.length && args[i].startsWith("-"); i++) {
            String a = args[i];
            if (i + 1 >= args.length) return null;
            if (a.equals("-C") && top.directory == null) {
                top.directory = Path.of(args[++i]);
            } else if (a.equals("--store") && top.store == null) {
                top.store = Path.of(args[++i]);
            } else {
                return null;
            }
        }
        if (i >= args.length) return null;
        Class<?> type = VdiskCommand.SUBCOMMANDS.get(args[i]);
        if (type == null) return null;
        try {
            var ctor = type.getDeclaredConstructor();
            ctor.setAccessible(true);
            Object command = ctor.newInstance();
            if (!(command instanceof Callable<?>)) return null;
            return fill(command, specs(type), top, args, i + 1) ? cast(command) : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // picocli will say what is wrong, in its words
        }
    }

    @SuppressWarnings("unchecked")
    private static Callable<Integer> cast(Object command) {
        return (Callable<Integer>) command;
    }

    private static boolean fill(Object command, List<Spec> specs, VdiskCommand top,
        String[] args, int from) throws ReflectiveOperationException {
        Map<String, Field> options = new HashMap<>();
        Map<Field, String> defaults = new HashMap<>();
        List<Spec> positional = new ArrayList<>();
        for (Spec s : specs) {
            Field f = s.field();
            if (s.kind() == 'R') {
                f.set(command, top);
            } else if (s.kind() == 'O') {
                if (!s.arity().isEmpty() || !s.split().isEmpty()) return false;
                for (String n : s.names())
                    options.put(n, f);
                if (s.defaultValue().equals(Option.NULL_VALUE)
                    || s.defaultValue().contains("${")) return false;
                if (!s.defaultValue().equals(NO_DEFAULT))
                    defaults.put(f, s.defaultValue());
            } else {
                positional.add(s);
            }
        }
        Set<Field> given = new HashSet<>();
        List<String> words = new ArrayList<>();
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-") || a.equals("-")) {
                words.add(a);
                continue;
            }
            int eq = a.indexOf('=');
            String name = eq < 0 ? a : a.substring(0, eq);
            Field f = options.get(name);
            if (f == null || !given.add(f)) return false;
            if (f.getType() == boolean.class) {
                if (eq >= 0) return false;
                f.setBoolean(command, true);
                continue;
            }
            String value;
            if (eq >= 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                value = args[++i];
            } else {
                return false;
            }
            if (value.isEmpty() || !set(command, f, value)) return false;
        }
        for (Map.Entry<Field, String> d : defaults.entrySet()) {
            if (!given.contains(d.getKey()) && !set(command, d.getKey(), d.getValue()))
                return false;
        }
        return assign(command, positional, words);
    }

    /** Parameters by index (or in order without one), each one word, at most one optional. */
    private static boolean assign(Object command, List<Spec> specs, List<String> words)
        throws ReflectiveOperationException {
        Field[] at = new Field[specs.size()];
        int required = 0;
        for (Spec p : specs) {
            String arity = p.arity();
            boolean optional = arity.equals("0..1");
            if (!(arity.isEmpty() || arity.equals("1") || optional)) return false;
            if (!p.split().isEmpty()) return false;
            int index = p.index().isEmpty()
                ? (specs.size() == 1 ? 0 : -1)
                : Integer.parseInt(p.index());
            if (index < 0 || index >= at.length || at[index] != null) return false;
            if (optional && index != at.length - 1) return false;
            at[index] = p.field();
            if (!optional) required++;
        }
        if (words.size() < required || words.size() > at.length) return false;
        for (int k = 0; k < words.size(); k++) {
            if (!set(command, at[k], words.get(k))) return false;
        }
        return true;
    }

    /** The annotated fields of {@code type} and its superclasses. */
    static List<Spec> specs(Class<?> type) throws ReflectiveOperationException {
        List<Spec> fromTable = fromTable(type);
        return fromTable != null ? fromTable : fromAnnotations(type);
    }

    static List<Spec> fromAnnotations(Class<?> type) {
        List<Spec> specs = new ArrayList<>();
        for (Class<?> c = type; c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.isAnnotationPresent(ParentCommand.class))
                    specs.add(new Spec(f, 'R', List.of(), "", "", "", ""));
                Option o = f.getAnnotation(Option.class);
                if (o != null) {
                    specs.add(new Spec(f, 'O', List.of(o.names()), o.defaultValue(), o.arity(), o
                        .split(), ""));
                }
                Parameters p = f.getAnnotation(Parameters.class);
                if (p != null)
                    specs.add(new Spec(f, 'P', List.of(), "", p.arity(), p.split(), p.index()));
            }
        }
        for (Spec s : specs)
            s.field().setAccessible(true);
        return specs;
    }

    /** The table's lines by subcommand class, read on first use; null when the build wrote none. */
    private static final class Table {
        static final Map<String, List<String[]>> ROWS = readTable();
    }

    /** @return the specs the table holds for {@code type}, or null if it has none */
    static List<Spec> fromTable(Class<?> type) throws ReflectiveOperationException {
        List<String[]> rows = Table.ROWS == null ? null : Table.ROWS.get(type.getName());
        if (rows == null) return null;
        List<Spec> specs = new ArrayList<>();
        for (String[] r : rows) {
            Field f = Class.forName(r[1], false, type.getClassLoader()).getDeclaredField(r[2]);
            f.setAccessible(true);
            List<String> names = r[4].isEmpty() ? List.of() : List.of(r[4].split(" "));
            specs.add(new Spec(f, r[3].charAt(0), names, r[5], r[6], r[7], r[8]));
        }
        return specs;
    }

    private static Map<String, List<String[]>> readTable() {
        try (InputStream in = PlainArgs.class.getResourceAsStream(TABLE)) {
            if (in == null) return null;
            Map<String, List<String[]>> t = new HashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isEmpty()) continue;
                String[] r = line.split("\t", -1);
                if (r.length != 9) return null; // not this version's table: read the annotations
                t.computeIfAbsent(r[0], k -> new ArrayList<>()).add(r);
            }
            return t;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Writes the table of every subcommand's annotated fields to {@code args[0]}; the build runs
     * this once the classes are compiled. A line: subcommand class, declaring class, field,
     * kind, option names (space-separated), default, arity, split, parameter index, by tabs.
     */
    public static void main(String[] args) throws IOException {
        StringBuilder out = new StringBuilder();
        for (Class<?> type : VdiskCommand.SUBCOMMANDS.values()) {
            for (Spec s : fromAnnotations(type)) {
                Field f = s.field();
                String[] row = {type.getName(), f.getDeclaringClass().getName(), f.getName(),
                    String.valueOf(s.kind()), String.join(" ", s.names()), s.defaultValue(),
                    s.arity(), s.split(), s.index()};
                boolean unfit = s.names().stream().anyMatch(n -> n.indexOf(' ') >= 0);
                for (String v : row)
                    unfit |= v.indexOf('\t') >= 0 || v.indexOf('\n') >= 0;
                if (unfit) {
                    throw new IllegalStateException(type + "." + f.getName()
                        + ": a tab, a newline or a space in a name has no place in the table");
                }
                out.append(String.join("\t", row)).append('\n');
            }
        }
        Path file = Path.of(args[0]);
        Files.createDirectories(file.getParent());
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }

    /** Converts as picocli's built-in converters do; false for a type or value it leaves. */
    private static boolean set(Object command, Field f, String value)
        throws IllegalAccessException {
        Class<?> t = f.getType();
        try {
            if (t == String.class) {
                f.set(command, value);
            } else if (t == Path.class) {
                f.set(command, Path.of(value));
            } else if (t == int.class || t == Integer.class) {
                f.set(command, Integer.valueOf(value));
            } else {
                return false;
            }
        } catch (NumberFormatException | java.nio.file.InvalidPathException e) {
            return false;
        }
        return true;
    }
}
