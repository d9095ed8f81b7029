package io.vdisk.fs;

import static io.vdisk.fs.VdiskFsTest.assertErrno;
import static io.vdisk.fs.VdiskFsTest.names;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.ninep.Attr;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePClient;
import io.vdisk.ninep.SetAttr;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ordinary files pass through; nothing outside the root or in .vdisk/ can be reached. */
class ConfinementTest {
    @TempDir
    Path tmp;
    Path root;
    Path outside;
    Fixture fx;
    NinePClient c;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createDirectories(tmp.resolve("root"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "secret");
        fx = new Fixture(root);
        c = fx.client;
    }

    @AfterEach
    void tearDown() throws Exception {
        fx.close();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void plainFilesAndDirectoriesPassThrough() throws Exception {
        c.mkdir(fx.root, "docs", 0755, 0);
        int f = fx.walk("docs");
        c.lcreate(f, "a.txt", NinePClient.O_RDWR, 0644, 0);
        c.write(f, 0, utf8("hello world"), 0, 11);
        c.fsync(f);
        c.clunk(f);
        assertEquals("hello world", Files.readString(root.resolve("docs/a.txt")));
        int g = fx.walk("docs/a.txt");
        c.setattr(g, SetAttr.truncate(5));
        assertEquals(5, c.getattr(g).size());
        c.clunk(g);
        assertArrayEquals(utf8("hello"), fx.read("docs/a.txt"));
        int d = fx.walk("docs");
        c.symlink(d, "link", "a.txt", 0);
        int l = fx.walk("docs/link");
        assertEquals(Attr.S_IFLNK, c.getattr(l).mode() & Attr.S_IFMT);
        assertEquals("a.txt", c.readlink(l));
        c.clunk(l);
        c.renameat(d, "a.txt", fx.root, "b.txt");
        assertTrue(Files.exists(root.resolve("b.txt")));
        assertEquals(List.of("link"), names(fx.ls("docs")));
        c.unlinkat(d, "link", 0);
        c.unlinkat(fx.root, "docs", NinePClient.AT_REMOVEDIR);
        assertFalse(Files.exists(root.resolve("docs")));
        assertTrue(c.statfs(fx.root).blocks() > 0);
    }

    @Test
    void dotDotStopsAtTheRoot() throws Exception {
        Files.createDirectories(root.resolve("sub"));
        var self = c.attach(c.newFid(), "", 0, "");
        var up = c.walk(fx.root, c.newFid(), List.of("sub", "..", "..", "..")).get(3);
        assertEquals(self, up, "the same qid: still the root");
        int upFid = fx.walk("../../..");
        assertEquals(c.getattr(fx.root).mode(), c.getattr(upFid).mode());
        assertEquals(names(fx.ls("")), names(lsFid(upFid)));
        assertErrno(Errno.ENOENT, () -> fx.walk("../outside/secret"));
    }

    private List<String> lsFid(int fid) throws Exception {
        c.lopen(fid, NinePClient.O_RDONLY);
        return c.readdir(fid).stream().map(e -> e.name()).toList();
    }

    @Test
    void theStoreFolderIsUnreachable() throws Exception {
        Files.createDirectories(root.resolve("sub"));
        assertErrno(Errno.ENOENT, () -> fx.walk(".vdisk"));
        assertErrno(Errno.ENOENT, () -> fx.walk(".vdisk/store"));
        assertErrno(Errno.ENOENT, () -> fx.walk("sub/../.vdisk"));
        assertErrno(Errno.EACCES, () -> c.mkdir(fx.root, ".vdisk", 0755, 0));
        assertErrno(Errno.EACCES, () -> c.lcreate(fx.walk("sub"), ".a.vdisk.tmp-1",
            NinePClient.O_RDWR, 0644, 0));
        assertErrno(Errno.ENOENT, () -> c.renameat(fx.root, ".vdisk", fx.root, "x"));
        assertErrno(Errno.ENOENT, () -> c.unlinkat(fx.root, ".vdisk",
            NinePClient.AT_REMOVEDIR));
        assertTrue(Files.isDirectory(root.resolve(".vdisk")));
    }

    @Test
    void symlinksAreNeverFollowedByTheServer() throws Exception {
        Files.createSymbolicLink(root.resolve("out"), outside);
        Files.createSymbolicLink(root.resolve("secret"), outside.resolve("secret"));
        Files.createSymbolicLink(root.resolve("store"), root.resolve(".vdisk"));
        int out = fx.walk("out");
        assertEquals(outside.toString(), c.readlink(out));
        assertErrno(Errno.ENOTDIR, () -> c.walk(out, "secret"));
        assertErrno(Errno.ENOTDIR, () -> c.walk(fx.walk("store"), "store"));
        int s = fx.walk("secret");
        assertErrno(Errno.ELOOP, () -> c.lopen(s, NinePClient.O_RDONLY));
        assertErrno(Errno.EINVAL, () -> c.setattr(s, SetAttr.truncate(0)));
        assertEquals("secret", Files.readString(outside.resolve("secret")));
    }

    @Test
    void aDirectorySwappedForALinkAfterTheWalkIsRefused() throws Exception {
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/secret"), "inside");
        int sub = fx.walk("sub");
        // Someone (possibly over 9P itself) replaces sub by a link out of the root.
        Files.move(root.resolve("sub"), root.resolve("sub2"));
        Files.createSymbolicLink(root.resolve("sub"), outside);
        assertErrno(Errno.EACCES, () -> c.walk(sub, "secret"));
        assertErrno(Errno.EACCES, () -> c.lcreate(sub, "new", NinePClient.O_RDWR, 0644, 0));
        assertErrno(Errno.EACCES, () -> c.lopen(sub, NinePClient.O_RDONLY));
        assertFalse(Files.exists(outside.resolve("new")));
    }

    @Test
    void imagesAreNotMadeOrUnmadeByRenames() throws Exception {
        fx.image("vm.vdisk", Fixture.disk(1, 8192));
        Files.writeString(root.resolve("plain"), "x");
        assertErrno(Errno.EPERM, () -> c.renameat(fx.root, "plain", fx.root,
            "p.vdisk"));
        assertErrno(Errno.EPERM, () -> c.renameat(fx.root, "vm.vdisk", fx.root,
            "vm.img"));
        c.renameat(fx.root, "vm.vdisk", fx.root, "vm2.vdisk"); // not open: fine
        assertEquals(8192, c.getattr(fx.walk("vm2.vdisk")).size());
    }
}
