package io.vdisk.fs;

import io.vdisk.ninep.Attr;
import io.vdisk.ninep.DirEntry;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.Qid;
import io.vdisk.ninep.SetAttr;
import io.vdisk.ninep.StatFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The served directory as the JDK sees it, confined to the root. Paths are built only from
 * checked single names, so ".." cannot climb out lexically; what remains is symbolic links. The
 * server never follows one: every operation first checks that the directory it works in
 * resolves to itself (no link anywhere on the way, even if a directory was replaced by a link
 * after the walk), and the last element is used with {@link LinkOption#NOFOLLOW_LINKS} or
 * {@code O_NOFOLLOW}. Stateless apart from the root, thread-safe.
 */
final class RealTree {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private final Path root;

    /** @param root the served directory, already a real path (no links in it) */
    RealTree(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    /** @return the path of {@code rel} without any check */
    Path path(String rel) {
        return rel.isEmpty() ? root : root.resolve(rel);
    }

    /**
     * @param rel a directory below the root
     * @return its path, checked to contain no symbolic link
     * @throws NinePException EACCES if a link was slipped in, ENOENT if it is gone
     */
    Path dir(String rel) throws NinePException {
        Path p = path(rel);
        Path real;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            throw Errors.of(e, "/" + rel);
        }
        if (!real.equals(p)) {
            throw new NinePException(Errno.EACCES, "/" + rel + ": leads out through a link");
        }
        return p;
    }

    /** @return the path of {@code rel} whose parent directory chain was checked */
    Path entry(String rel) throws NinePException {
        return rel.isEmpty() ? dir(rel) : dir(Names.parent(rel)).resolve(Names.last(rel));
    }

    /**
     * The node at {@code rel}, not following a final link.
     *
     * @throws NinePException ENOENT if missing
     */
    Node lookup(String rel) throws NinePException {
        Path p = entry(rel);
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,ino", NOFOLLOW);
            int fmt = (Integer) a.get("mode") & Attr.S_IFMT;
            long ino = (Long) a.get("ino");
            if (fmt == Attr.S_IFREG && Names.isImage(Names.last(rel))) {
                return new Node.Disk(rel, ino);
            }
            int type = fmt == Attr.S_IFDIR
                ? Qid.QT_DIR
                : fmt == Attr.S_IFLNK ? Qid.QT_SYMLINK : Qid.QT_FILE;
            return new Node.Real(rel, type, ino);
        } catch (IOException e) {
            throw Errors.of(e, "/" + rel);
        }
    }

    /** Attributes of {@code rel}, with {@code size} instead of the file's when not negative. */
    Attr getattr(String rel, long size) throws NinePException {
        Path p = entry(rel);
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:*", NOFOLLOW);
            long sz = size >= 0 ? size : (Long) a.get("size");
            FileTime at = (FileTime) a.get("lastAccessTime");
            FileTime mt = (FileTime) a.get("lastModifiedTime");
            FileTime ct = (FileTime) a.get("ctime");
            return new Attr((Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"),
                (Integer) a.get("nlink"), (Long) a.get("rdev"), sz, 4096, (sz + 511) / 512,
                sec(at), nsec(at), sec(mt), nsec(mt), sec(ct), nsec(ct));
        } catch (IOException e) {
            throw Errors.of(e, "/" + rel);
        }
    }

    private static long sec(FileTime t) {
        return Math.floorDiv(t.to(TimeUnit.NANOSECONDS), 1_000_000_000L);
    }

    private static long nsec(FileTime t) {
        return Math.floorMod(t.to(TimeUnit.NANOSECONDS), 1_000_000_000L);
    }

    /** Applies mode, owner and times; the size is the caller's business. */
    void setattr(Node.Real node, String rel, SetAttr c) throws NinePException {
        Path p = entry(rel);
        boolean link = node != null && node.type() == Qid.QT_SYMLINK;
        try {
            if (c.has(SetAttr.MODE) && !link) {
                Files.setAttribute(p, "unix:mode", c.mode() & 07777, NOFOLLOW);
            }
            if (c.has(SetAttr.UID)) {
                Files.setAttribute(p, "unix:uid", c.uid(), NOFOLLOW);
            }
            if (c.has(SetAttr.GID)) {
                Files.setAttribute(p, "unix:gid", c.gid(), NOFOLLOW);
            }
            if (c.has(SetAttr.ATIME) || c.has(SetAttr.MTIME)) {
                FileTime a = c.has(SetAttr.ATIME) ? time(c.atimeSec(), c.atimeNsec()) : null;
                FileTime m = c.has(SetAttr.MTIME) ? time(c.mtimeSec(), c.mtimeNsec()) : null;
                Files.getFileAttributeView(p, BasicFileAttributeView.class, NOFOLLOW).setTimes(m,
                    a, null);
            }
        } catch (IOException e) {
            throw Errors.of(e, "/" + rel);
        }
    }

    private static FileTime time(long sec, long nsec) {
        return FileTime.from(sec * 1_000_000_000L + nsec, TimeUnit.NANOSECONDS);
    }

    /** Truncates or extends a plain file (sparse: extending writes one zero byte at the end). */
    void truncate(String rel, long size) throws NinePException {
        if (size < 0) {
            throw new NinePException(Errno.EINVAL, "negative size");
        }
        try (FileChannel ch = FileChannel.open(entry(rel), StandardOpenOption.WRITE, NOFOLLOW)) {
            long now = ch.size();
            if (size < now) {
                ch.truncate(size);
            } else if (size > now) {
                ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
            }
        } catch (IOException e) {
            throw Errors.of(e, "/" + rel);
        }
    }

    /** Opens a plain file without following a final link (O_NOFOLLOW). */
    FileChannel open(String rel, boolean write, boolean truncate) throws NinePException {
        try {
            return write
                ? FileChannel.open(entry(rel), StandardOpenOption.READ, StandardOpenOption.WRITE,
                    NOFOLLOW)
                : FileChannel.open(entry(rel), StandardOpenOption.READ, NOFOLLOW);
        } catch (IOException e) {
            throw Errors.of(e, "/" + rel);
        }
    }

    /** Creates an empty file, directory or symbolic link {@code name} in directory {@code dir}. */
    Node create(String dir, String name, int mode, String linkTarget, boolean directory)
        throws NinePException {
        Path p = dir(dir).resolve(name);
        String rel = Names.child(dir, name);
        try {
            if (linkTarget != null) {
                Files.createSymbolicLink(p, p.getFileSystem().getPath(linkTarget));
            } else if (directory) {
                Files.createDirectory(p, PosixFilePermissions.asFileAttribute(perms(mode)));
            } else {
                Files.createFile(p, PosixFilePermissions.asFileAttribute(perms(mode)));
            }
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw e instanceof IOException io
                ? Errors.of(io, "/" + rel)
                : new NinePException(Errno.EINVAL, "bad link target");
        }
        return lookup(rel);
    }

    private static Set<PosixFilePermission> perms(int mode) {
        StringBuilder s = new StringBuilder();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            s.append((mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }

    /** Hard link {@code name} in {@code dir} to the plain file {@code target}. */
    void link(String dir, String name, String target) throws NinePException {
        try {
            Files.createLink(dir(dir).resolve(name), entry(target));
        } catch (IOException e) {
            throw Errors.of(e, "/" + Names.child(dir, name));
        }
    }

    String readlink(String rel) throws NinePException {
        try {
            return Files.readSymbolicLink(entry(rel)).toString();
        } catch (IOException e) {
            throw Errors.of(e, "/" + rel);
        }
    }

    /** rename(2): replaces a file, or an empty directory, at the target. */
    void rename(String from, String to) throws NinePException {
        try {
            Files.move(entry(from), entry(to), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw Errors.of(e, "/" + from + " -> /" + to);
        }
    }

    /** Removes a file, link or (when {@code directory}) an empty directory. */
    void unlink(String rel, boolean directory) throws NinePException {
        Path p = entry(rel);
        boolean isDir = Files.isDirectory(p, NOFOLLOW);
        if (isDir != directory) {
            throw new NinePException(isDir ? Errno.EISDIR : Errno.ENOTDIR, "/" + rel);
        }
        try {
            Files.delete(p);
        } catch (IOException e) {
            throw Errors.of(e, "/" + rel);
        }
    }

    /**
     * The entries of directory {@code dir}: its visible children in name order, then
     * {@code extra} (the synthetic entries at the root, which shadow real ones of that name). No
     * "." and "..": diodls walks every listed name, and the 9P server refuses a walk to ".".
     */
    List<DirEntry> list(Node.Real dir, Map<String, Node> extra) throws NinePException {
        Path p = dir(dir.rel());
        List<DirEntry> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            for (Path c : ds) {
                String name = c.getFileName().toString();
                if (!Names.hidden(name) && !extra.containsKey(name)) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            throw Errors.of(e, "/" + dir.rel());
        }
        names.sort(null);
        for (String name : names) {
            try {
                out.add(entry(lookup(Names.child(dir.rel(), name)), out.size() + 1, name));
            } catch (NinePException e) {
                // removed while we listed: leave it out
            }
        }
        for (Map.Entry<String, Node> e : extra.entrySet()) {
            out.add(entry(e.getValue(), out.size() + 1, e.getKey()));
        }
        return out;
    }

    /** @return a directory entry for {@code n} */
    static DirEntry entry(Node n, long cookie, String name) {
        Qid q = n.qid();
        int type = q.isDirectory()
            ? DirEntry.DT_DIR
            : q.isSymlink() ? DirEntry.DT_LNK : DirEntry.DT_REG;
        return new DirEntry(q, cookie, type, name);
    }

    StatFs statfs() throws NinePException {
        try {
            FileStore fs = Files.getFileStore(root);
            long bs = 4096;
            return new StatFs(StatFs.V9FS_MAGIC, (int) bs, fs.getTotalSpace() / bs,
                fs.getUnallocatedSpace() / bs, fs.getUsableSpace() / bs, 0, 0,
                root.hashCode() & 0xffffffffL, 255);
        } catch (IOException e) {
            throw Errors.of(e, "statfs");
        }
    }
}
