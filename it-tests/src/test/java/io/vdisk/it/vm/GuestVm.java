package io.vdisk.it.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throw-away Linux guest under qemu-system-x86_64 (TCG): Debian's kernel, a busybox initramfs
 * holding the virtio, 9P and network modules it needs, and a test script run as init. The
 * guest's console is its output. Not thread-safe.
 */
final class GuestVm {
    static final String[] MODULES = {"virtio_pci", "virtio_blk", "virtio_net", "9pnet_fd", "9p"};

    private GuestVm() {
    }

    /**
     * Where {@code it-tests/install-deps.sh} unpacks Debian's kernel package: {@code
     * boot/vmlinuz-*} and {@code lib/modules/*}. Unpacked rather than installed, so that no
     * initramfs hook runs on the host.
     */
    static Path guestDir() {
        String dir = System.getenv("VDISK_GUEST_DIR");
        return dir != null
            ? Path.of(dir)
            : Path.of(System.getProperty("user.home"), ".cache", "vdisk-it", "guest");
    }

    /** The newest unpacked kernel, or null if there is none (or no qemu/busybox). */
    static Path kernel() throws IOException {
        Path boot = guestDir().resolve("boot");
        if (!Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64"))
            || !Files.isExecutable(Path.of("/usr/bin/busybox")) || !Files.isDirectory(boot)) {
            return null;
        }
        try (Stream<Path> s = Files.list(boot)) {
            return s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                .filter(Files::isReadable).sorted().reduce((a, b) -> b).orElse(null);
        }
    }

    /** The guest kernel; fails the test when install-deps.sh has not provided one. */
    static Path requireKernel() throws IOException {
        Path k = kernel();
        if (k == null) {
            throw new AssertionError(
                "no guest kernel, qemu-system-x86_64 or busybox: run it-tests/install-deps.sh");
        }
        return k;
    }

    static String version(Path kernel) {
        return kernel.getFileName().toString().substring("vmlinuz-".length());
    }

    /** Every module file under {@code dir} by module name (dashes as underscores). */
    private static Map<String, Path> moduleFiles(Path dir) throws IOException {
        Map<String, Path> byName = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> p.getFileName().toString().endsWith(".ko")).forEach(p -> {
                String n = p.getFileName().toString();
                byName.put(n.substring(0, n.length() - 3).replace('-', '_'), p);
            });
        }
        return byName;
    }

    /**
     * The names in a module's {@code depends=} modinfo string. The unpacked package has no
     * modules.dep (depmod writes it at install time), so read it from the module itself.
     */
    private static List<String> depends(Path module) throws IOException {
        String text = new String(Files.readAllBytes(module), StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\0depends=");
        if (at < 0) return List.of();
        int from = at + "\0depends=".length();
        String list = text.substring(from, text.indexOf('\0', from));
        List<String> names = new ArrayList<>();
        for (String n : list.split(",")) {
            if (!n.isEmpty()) names.add(n.replace('-', '_'));
        }
        return names;
    }

    /** Adds {@code name}'s dependencies, then {@code name}, so that insmod order works. */
    private static void loadOrder(String name, Map<String, Path> files, Set<String> order)
        throws IOException {
        if (order.contains(name)) return;
        Path file = files.get(name);
        if (file == null) throw new IOException("no module " + name + " in " + guestDir());
        for (String d : depends(file))
            loadOrder(d, files, order);
        order.add(name);
    }

    /**
     * Builds an initramfs whose init loads the modules, runs {@code script} with busybox sh and
     * powers off. Lines the script prints reach the console.
     */
    static Path initramfs(Path dir, Path kernel, String script) throws Exception {
        Path root = dir.resolve("initramfs");
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("mods"));
        Files.copy(Path.of("/usr/bin/busybox"), root.resolve("bin/busybox"));
        Map<String, Path> files = moduleFiles(
            guestDir().resolve("lib/modules").resolve(version(kernel)));
        Set<String> order = new LinkedHashSet<>();
        for (String m : MODULES)
            loadOrder(m, files, order);
        StringBuilder load = new StringBuilder();
        for (String name : order) {
            Files.copy(files.get(name), root.resolve("mods").resolve(name + ".ko"));
            load.append("insmod /mods/").append(name).append(".ko\n");
        }
        String init = "#!/bin/busybox sh\n"
            + "/bin/busybox --install -s /bin\n"
            + "export PATH=/bin\n"
            + "mkdir -p /proc /sys /dev /mnt /tmp\n"
            + "mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev\n"
            + load
            + "sleep 1\n"
            + "echo GUEST-START\n"
            + "sh /test.sh\n"
            + "echo GUEST-END\n"
            + "sync\n"
            + "poweroff -f\n";
        Files.writeString(root.resolve("init"), init, StandardCharsets.UTF_8);
        Files.writeString(root.resolve("test.sh"), script, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(root.resolve("init"),
            PosixFilePermissions.fromString("rwxr-xr-x"));
        Path out = dir.resolve("initramfs.cpio.gz");
        Process p = new ProcessBuilder("sh", "-c",
            "cd '" + root + "' && find . | cpio -o -H newc 2>/dev/null | gzip -1 > '" + out + "'")
            .inheritIO().start();
        if (p.waitFor() != 0) throw new IOException("cpio failed");
        return out;
    }

    /**
     * Boots the guest and returns its console output once it powers off.
     *
     * @param extra further qemu arguments (drives, network)
     */
    static String boot(Path dir, Path kernel, Path initramfs, List<String> extra)
        throws Exception {
        Path log = dir.resolve("console-" + System.nanoTime() + ".log");
        return waitForPowerOff(start(kernel, initramfs, extra, log), log);
    }

    /** Starts the guest, its console going to {@code log}; see {@link #waitForPowerOff}. */
    static Process start(Path kernel, Path initramfs, List<String> extra, Path log)
        throws IOException {
        List<String> cmd = new ArrayList<>(List.of("qemu-system-x86_64", "-M", "pc", "-m", "512",
            "-smp", "1", "-nographic", "-no-reboot", "-kernel", kernel.toString(), "-initrd",
            initramfs.toString(), "-append", "console=ttyS0 panic=-1 quiet loglevel=3"));
        cmd.addAll(extra);
        return new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(log.toFile()).start();
    }

    /** The console output once the guest powered off after its script. */
    static String waitForPowerOff(Process p, Path log) throws Exception {
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("guest did not power off:\n" + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.ISO_8859_1);
        if (!out.contains("GUEST-END")) throw new AssertionError("guest failed:\n" + out);
        return out;
    }
}
