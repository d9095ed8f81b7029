package io.vdisk.cli;

import io.vdisk.app.ControlClient;
import io.vdisk.app.Workspace;
import java.nio.file.Path;

/** A command that changes an image through {@link ControlClient}. Not thread-safe. */
abstract class ControlCommandBase extends CommandBase {
    /** Sends {@code verb PATH args} for the image file {@code image} and prints the reply. */
    int send(String verb, String image, String args) throws Exception {
        Path file = path(image);
        requireVdiskName(file);
        Workspace w = workspace(file);
        String rel = w.root().relativize(file).toString();
        String line = verb + " " + quote(rel) + (args.isEmpty() ? "" : " " + args);
        try {
            env().out().println(ControlClient.run(w, env(), line));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return 0;
    }

    /** Sends {@code line}, a command for the whole root, and prints the reply. */
    int sendToRoot(String line) throws Exception {
        env().out().println(ControlClient.run(workspace(null), env(), line));
        return 0;
    }

    static String quote(String s) {
        return s.matches("[^\\s'\"]+") ? s : "'" + s.replace("'", "") + "'";
    }
}
