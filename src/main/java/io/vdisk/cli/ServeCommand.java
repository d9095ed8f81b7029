package io.vdisk.cli;

import io.vdisk.app.Server;
import io.vdisk.app.Workspace;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vdisk serve [--9p HOST:PORT] [--nbd HOST:PORT] [DIR]}: serves every image of the root
 * over 9P and NBD until SIGTERM or SIGINT, then commits the journals and exits 0. Creates the
 * root and its store on first use.
 */
@Command(name = "serve", description = "Serve the images of a vdisk root over 9P and NBD.")
final class ServeCommand extends CommandBase {
    @Option(names = "--9p", paramLabel = "HOST:PORT", description = "9P address (default ${DEFAULT-VALUE}; 'off' disables).", defaultValue = "127.0.0.1:5640")
    String ninep;

    @Option(names = "--nbd", paramLabel = "HOST:PORT", description = "NBD address (default ${DEFAULT-VALUE}; 'off' disables).", defaultValue = "127.0.0.1:10809")
    String nbd;

    @Parameters(arity = "0..1", paramLabel = "DIR")
    String dir;

    @Override
    public Integer call() throws Exception {
        Path d = dir == null ? env().cwd() : path(dir);
        Workspace w;
        if (Files.isDirectory(d.resolve(Workspace.HIDDEN)) || parent.storeOverride() != null) {
            w = Workspace.find(d, parent.storeOverride());
        } else {
            w = Workspace.init(d, null);
        }
        InetSocketAddress ninepAddr = address("--9p", ninep);
        InetSocketAddress nbdAddr = address("--nbd", nbd);
        CountDownLatch stop = new CountDownLatch(1);
        Server server = Server.start(w, ninepAddr, nbdAddr, env());
        // SIGTERM and SIGINT end the server cleanly with exit code 0, not the JVM's 143/130.
        sun.misc.SignalHandler handler = sig -> stop.countDown();
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), handler);
        sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
        stop.await();
        server.close();
        return 0;
    }

    static InetSocketAddress address(String option, String value) {
        if (value.equals("off")) return null;
        int colon = value.lastIndexOf(':');
        if (colon <= 0) throw new UsageException(option + " wants HOST:PORT, got '" + value + "'");
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        try {
            int port = Integer.parseInt(value.substring(colon + 1));
            if (port < 0 || port > 65535) throw new NumberFormatException();
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException e) {
            throw new UsageException(option + ": bad port in '" + value + "'");
        }
    }
}
