package io.vdisk.ninep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link NinePClient} against {@link NinePServer} over TCP, serving a {@link MemoryFileServer}. */
class ClientServerTest {
    private MemoryFileServer fs;
    private NinePServer server;
    private NinePClient client;
    private int root;

    @BeforeEach
    void start() throws IOException {
        fs = new MemoryFileServer("/srv/mem");
        fs.put("a/b/c.txt", MemoryFileServer.utf8("deep"));
        server = NinePServer.builder(fs).start();
        client = NinePClient.connect(server.localAddress());
        root = client.newFid();
        client.attach(root, "", 1000, "");
    }

    @AfterEach
    void stop() {
        client.close();
        client.close();
        server.close();
        server.close();
    }

    private List<String> names(int dirFid) throws IOException {
        int d = client.walk(dirFid, "");
        client.lopen(d, NinePClient.O_RDONLY);
        List<String> names = client.readdir(d).stream().map(DirEntry::name)
            .filter(n -> !n.equals(".") && !n.equals("..")).collect(Collectors.toList());
        client.clunk(d);
        return names;
    }

    @Test
    void negotiatesTheLargestMsizeByDefault() {
        assertEquals(NinePServer.DEFAULT_MAX_MSIZE, client.msize());
    }

    @Test
    void walksDeepPathsAndReportsMissingOnes() throws IOException {
        int f = client.walk(root, "a/b/c.txt");
        assertEquals(4, client.getattr(f).size());
        client.lopen(f, NinePClient.O_RDONLY);
        assertArrayEquals(MemoryFileServer.utf8("deep"), client.readAll(f));
        client.clunk(f);
        NinePException e = assertThrows(NinePException.class, () -> client.walk(root, "a/x"));
        assertEquals(Errno.ENOENT, e.errno());
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            deep.append("a/..//");
        }
        int again = client.walk(root, deep + "a/b/c.txt");
        assertEquals(4, client.getattr(again).size());
    }

    @Test
    void createsWritesFsyncsAndReadsBackAFileLargerThanMsize() throws IOException {
        byte[] data = new byte[3 * client.msize() + 12345];
        new Random(42).nextBytes(data);
        int f = client.walk(root, "a");
        client.lcreate(f, "big.bin", NinePClient.O_RDWR, 0644, 0);
        assertEquals(data.length, client.write(f, 0, data, 0, data.length));
        client.fsync(f);
        client.clunk(f);
        assertArrayEquals(data, fs.get("a/big.bin"));

        int r = client.walk(root, "a/big.bin");
        assertEquals(data.length, client.getattr(r).size());
        client.lopen(r, NinePClient.O_RDONLY);
        byte[] back = new byte[data.length + 100];
        assertEquals(data.length, client.read(r, 0, back, 0, back.length));
        assertArrayEquals(data, java.util.Arrays.copyOf(back, data.length));
        byte[] mid = new byte[1000];
        assertEquals(1000, client.read(r, 2_000_000, mid, 0, 1000));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 2_000_000, 2_001_000), mid);
        assertEquals(0, client.read(r, data.length, mid, 0, 1000));
        client.clunk(r);
    }

    @Test
    void mkdirRenameRenameatUnlinkatAndReaddir() throws IOException {
        client.mkdir(root, "d1", 0755, 0);
        int d1 = client.walk(root, "d1");
        int f = client.walk(root, "d1");
        client.lcreate(f, "x", NinePClient.O_WRONLY, 0644, 0);
        client.write(f, 0, new byte[]{1, 2, 3}, 0, 3);
        client.clunk(f);
        assertEquals(List.of("x"), names(d1));

        client.renameat(d1, "x", root, "y");
        assertEquals(List.of(), names(d1));
        assertEquals(List.of("a", "d1", "y"), names(root));

        int y = client.walk(root, "y");
        client.rename(y, d1, "z");
        assertEquals(List.of("z"), names(d1));
        client.clunk(y);

        NinePException e = assertThrows(NinePException.class,
            () -> client.unlinkat(root, "d1", NinePClient.AT_REMOVEDIR));
        assertEquals(Errno.ENOTEMPTY, e.errno());
        client.unlinkat(d1, "z", 0);
        client.unlinkat(root, "d1", NinePClient.AT_REMOVEDIR);
        assertEquals(List.of("a"), names(root));
        e = assertThrows(NinePException.class, () -> client.mkdir(root, "a", 0755, 0));
        assertEquals(Errno.EEXIST, e.errno());
        e = assertThrows(NinePException.class, () -> client.mkdir(root, "..", 0755, 0));
        assertEquals(Errno.EINVAL, e.errno());
    }

    @Test
    void readdirPagesThroughManyEntries() throws IOException {
        for (int i = 0; i < 500; i++) {
            fs.put("many/file-with-a-long-name-" + i, new byte[]{(byte) i});
        }
        int d = client.walk(root, "many");
        client.lopen(d, NinePClient.O_RDONLY);
        List<DirEntry> all = client.readdir(d);
        assertEquals(502, all.size());
        // a small count forces several round trips; offsets continue where the last ended
        assertEquals(502, all.stream().map(DirEntry::offset).distinct().count());
    }

    @Test
    void symlinkReadlinkSetattrStatfsRemove() throws IOException {
        client.symlink(root, "link", "a/b/c.txt", 0);
        int l = client.walk(root, "link");
        assertEquals("a/b/c.txt", client.readlink(l));
        assertEquals(Attr.S_IFLNK, client.getattr(l).mode() & Attr.S_IFMT);
        int f = client.walk(root, "a/b/c.txt");
        client.setattr(f, SetAttr.truncate(2));
        assertEquals(2, client.getattr(f).size());
        client.setattr(f, new SetAttr(SetAttr.MODE | SetAttr.MTIME, 0600, 0, 0, 0, 0, 0, 0, 0));
        Attr a = client.getattr(f);
        assertEquals(0600, a.mode() & 07777);
        assertTrue(a.mtimeSec() > 1_600_000_000L, "MTIME without MTIME_SET means now");
        assertEquals(StatFs.V9FS_MAGIC, client.statfs(root).type());
        client.remove(f);
        assertThrows(NinePException.class, () -> client.getattr(f));
        assertEquals(Errno.ENOENT,
            assertThrows(NinePException.class, () -> client.walk(root, "a/b/c.txt")).errno());
    }

    @Test
    void manyConnectionsAtOnce() throws Exception {
        List<NinePClient> clients = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                NinePClient c = NinePClient.connect(server.localAddress());
                clients.add(c);
                int r = c.newFid();
                c.attach(r, "nobody", Caller.NO_UID, "/srv/mem");
                int f = c.walk(r, "a/b/c.txt");
                c.lopen(f, NinePClient.O_RDONLY);
                assertArrayEquals(MemoryFileServer.utf8("deep"), c.readAll(f));
            }
        } finally {
            clients.forEach(NinePClient::close);
        }
    }
}
