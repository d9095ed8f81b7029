package io.vdisk.app;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.cli.Env;
import io.vdisk.venti.DiskBlockStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlClientTest {
    @Test
    void aRootHeldWithoutA9PAddressSaysWhyTheCommandCannotRun(@TempDir Path dir)
        throws Exception {
        Workspace w = Workspace.init(dir, null);
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        Env env = new Env(sink, sink, Clock.systemUTC(), ZoneOffset.UTC, false, dir, 1);
        // What `vdisk serve --9p off` does: hold the store and leave no serve.9p.
        try (DiskBlockStore held = w.openStore(false)) {
            IOException e = assertThrows(IOException.class,
                () -> ControlClient.run(w, env, "flush"));
            assertTrue(e.getMessage().contains("in use by another process")
                && e.getMessage().contains("--9p off"), e.getMessage());
        }
        // Once it lets go, the command runs here.
        ControlClient.run(w, env, "flush");
    }
}
