package io.vdisk.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.NoSuchFileException;
import java.util.List;

/** Serves a 64 MiB byte-array disk as "mem" on the given port, for poking with real clients. */
public final class MemoryNbdMain {
    public static void main(String[] args) throws Exception {
        MemoryExport e = new MemoryExport(new byte[64 << 20], false);
        NbdServer s = NbdServer.start(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])),
            new NbdExports() {
                @Override
                public List<String> list() {
                    return List.of("mem");
                }

                @Override
                public NbdExport open(String name) throws IOException {
                    if (!name.equals("mem")) throw new NoSuchFileException(name);
                    return e;
                }
            }, 4);
        System.out.println("listening on " + s.address());
        Thread.sleep(Long.MAX_VALUE);
    }
}
