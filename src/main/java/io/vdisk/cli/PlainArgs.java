package io.vdisk.cli;

import java.lang.reflect.Field;
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
 * Not thread-safe (one per command line).
 */
public final class PlainArgs {
    /** What {@link Option#defaultValue} holds when none is given. */
    private static final String NO_DEFAULT = "__no_default_value__";

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
            return fill(command, top, args, i + 1) ? cast(command) : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null; // picocli will say what is wrong, in its words
        }
    }

    @SuppressWarnings("unchecked")
    private static Callable<Integer> cast(Object command) {
        return (Callable<Integer>) command;
    }

    private static boolean fill(Object command, VdiskCommand top, String[] args, int from)
        throws ReflectiveOperationException {
        Map<String, Field> options = new HashMap<>();
        Map<Field, String> defaults = new HashMap<>();
        List<Field> positional = new ArrayList<>();
        List<Parameters> positionalSpecs = new ArrayList<>();
        for (Class<?> c = command.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                f.setAccessible(true);
                if (f.isAnnotationPresent(ParentCommand.class)) {
                    f.set(command, top);
                }
                Option o = f.getAnnotation(Option.class);
                if (o != null) {
                    if (o.arity().length() > 0 || o.split().length() > 0) return false;
                    for (String n : o.names())
                        options.put(n, f);
                    if (o.defaultValue().equals(Option.NULL_VALUE)
                        || o.defaultValue().contains("${")) return false;
                    if (!o.defaultValue().equals(NO_DEFAULT))
                        defaults.put(f, o.defaultValue());
                }
                Parameters p = f.getAnnotation(Parameters.class);
                if (p != null) {
                    positional.add(f);
                    positionalSpecs.add(p);
                }
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
        return assign(command, positional, positionalSpecs, words);
    }

    /** Parameters by index (or in order without one), each one word, at most one optional. */
    private static boolean assign(Object command, List<Field> fields, List<Parameters> specs,
        List<String> words) throws ReflectiveOperationException {
        Field[] at = new Field[fields.size()];
        int required = 0;
        for (int k = 0; k < fields.size(); k++) {
            Parameters p = specs.get(k);
            String arity = p.arity();
            boolean optional = arity.equals("0..1");
            if (!(arity.isEmpty() || arity.equals("1") || optional)) return false;
            if (p.split().length() > 0) return false;
            int index = p.index().isEmpty()
                ? (fields.size() == 1 ? 0 : -1)
                : Integer.parseInt(p.index());
            if (index < 0 || index >= at.length || at[index] != null) return false;
            if (optional && index != at.length - 1) return false;
            at[index] = fields.get(k);
            if (!optional) required++;
        }
        if (words.size() < required || words.size() > at.length) return false;
        for (int k = 0; k < words.size(); k++) {
            if (!set(command, at[k], words.get(k))) return false;
        }
        return true;
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
