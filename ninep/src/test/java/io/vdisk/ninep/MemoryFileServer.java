package io.vdisk.ninep;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A sample {@link FileServer}: an in-memory tree of directories, files and symlinks. Thread-safe:
 * the namespace is guarded by this object's monitor, file contents by a read-write lock per file,
 * so reads of one file run in parallel.
 */
public final class MemoryFileServer implements FileServer<MemoryFileServer.Node> {
    private static final int AT_REMOVEDIR = 0x200;
    /** Largest file this sample keeps in memory. */
    public static final long MAX_FILE = 64L << 20;
    private final AtomicLong nextPath = new AtomicLong(1);
    private final Dir root;
    private final String rootPath;

    /** A node of the tree. */
    public abstract static class Node {
        final long path;
        volatile Dir parent;
        volatile int mode;
        volatile long mtime = System.currentTimeMillis() / 1000;
        volatile int version;

        Node(long path, Dir parent, int mode) {
            this.path = path;
            this.parent = parent;
            this.mode = mode;
        }

        abstract int qidType();

        abstract long size();
    }

    static final class Dir extends Node {
        final Map<String, Node> children = new TreeMap<>();

        Dir(long path, Dir parent, int mode) {
            super(path, parent, Attr.S_IFDIR | mode);
        }

        @Override
        int qidType() {
            return Qid.QT_DIR;
        }

        @Override
        long size() {
            return 4096;
        }
    }

    static final class File extends Node {
        final ReadWriteLock lock = new ReentrantReadWriteLock();
        byte[] data = new byte[0];
        long size;
        int nlink = 1;

        File(long path, Dir parent, int mode) {
            super(path, parent, Attr.S_IFREG | mode);
        }

        @Override
        int qidType() {
            return Qid.QT_FILE;
        }

        @Override
        long size() {
            lock.readLock().lock();
            try {
                return size;
            } finally {
                lock.readLock().unlock();
            }
        }

        void truncate(long newSize) {
            lock.writeLock().lock();
            try {
                if (newSize > data.length) {
                    data = Arrays.copyOf(data, (int) Math.max(newSize, data.length * 2L));
                } else {
                    Arrays.fill(data, (int) newSize, data.length, (byte) 0);
                }
                size = newSize;
                version++;
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    static final class Link extends Node {
        final String target;

        Link(long path, Dir parent, String target) {
            super(path, parent, Attr.S_IFLNK | 0777);
            this.target = target;
        }

        @Override
        int qidType() {
            return Qid.QT_SYMLINK;
        }

        @Override
        long size() {
            return target.length();
        }
    }

    /**
     * @param rootPath the absolute path that also names the root in attach (as diod does)
     */
    public MemoryFileServer(String rootPath) {
        this.rootPath = rootPath;
        this.root = new Dir(nextPath.getAndIncrement(), null, 0755);
    }

    /** Creates a file with the given bytes, making parent directories. */
    public synchronized void put(String path, byte[] bytes) {
        String[] parts = path.split("/");
        Dir d = root;
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            Node n = d.children.get(parts[i]);
            if (n == null) {
                n = new Dir(nextPath.getAndIncrement(), d, 0755);
                d.children.put(parts[i], n);
            }
            d = (Dir) n;
        }
        File f = new File(nextPath.getAndIncrement(), d, 0644);
        f.data = bytes.clone();
        f.size = bytes.length;
        d.children.put(parts[parts.length - 1], f);
    }

    /** @return the bytes of a file, or null if there is none */
    public synchronized byte[] get(String path) {
        Node n = root;
        for (String p : path.split("/")) {
            if (p.isEmpty()) {
                continue;
            }
            n = n instanceof Dir d ? d.children.get(p) : null;
        }
        if (n instanceof File f) {
            f.lock.readLock().lock();
            try {
                return Arrays.copyOf(f.data, (int) f.size);
            } finally {
                f.lock.readLock().unlock();
            }
        }
        return null;
    }

    @Override
    public Node attach(Caller caller, String aname) throws NinePException {
        if (aname.isEmpty() || aname.equals("/") || aname.equals(rootPath)) {
            return root;
        }
        throw new NinePException(Errno.ENOENT, "no tree " + aname);
    }

    @Override
    public Qid qid(Node node) {
        return new Qid(node.qidType(), node.version, node.path);
    }

    @Override
    public synchronized Node walk(Node dir, String name) throws NinePException {
        Dir d = dir(dir);
        if (name.equals("..")) {
            return d.parent == null ? d : d.parent;
        }
        if (name.equals(".")) {
            return d;
        }
        Node n = d.children.get(name);
        if (n == null) {
            throw new NinePException(Errno.ENOENT, name);
        }
        return n;
    }

    private static Dir dir(Node n) throws NinePException {
        if (n instanceof Dir d) {
            return d;
        }
        throw new NinePException(Errno.ENOTDIR, "not a directory");
    }

    @Override
    public Attr getattr(Node n) {
        long nlink = n instanceof File f ? f.nlink : n instanceof Dir ? 2 : 1;
        return Attr.of(n.mode, 0, 0, nlink, n.size(), n.mtime);
    }

    @Override
    public void setattr(Node n, SetAttr change) throws NinePException {
        if (change.has(SetAttr.SIZE)) {
            if (!(n instanceof File f)) {
                throw new NinePException(Errno.EISDIR, "not a file");
            }
            if (change.size() < 0 || change.size() > MAX_FILE) {
                throw new NinePException(Errno.EFBIG, "too large for memory");
            }
            f.truncate(change.size());
        }
        if (change.has(SetAttr.MODE)) {
            n.mode = (n.mode & Attr.S_IFMT) | (change.mode() & 07777);
        }
        if (change.has(SetAttr.MTIME)) {
            n.mtime = change.mtimeSec();
        }
    }

    @Override
    public OpenFile open(Node n, int flags) throws NinePException {
        if (n instanceof Dir d) {
            return new OpenFile() {
                @Override
                public List<DirEntry> readdir(long offset, int count) {
                    return list(d, offset);
                }
            };
        }
        if (!(n instanceof File f)) {
            throw new NinePException(Errno.EINVAL, "cannot open a symlink");
        }
        if ((flags & NinePClient.O_TRUNC) != 0 && (flags & 3) != 0) {
            f.truncate(0);
        }
        return new OpenFile() {
            @Override
            public int read(long offset, ByteBuffer dst) {
                f.lock.readLock().lock();
                try {
                    if (offset >= f.size) {
                        return 0;
                    }
                    int n = (int) Math.min(dst.remaining(), f.size - offset);
                    dst.put(f.data, (int) offset, n);
                    return n;
                } finally {
                    f.lock.readLock().unlock();
                }
            }

            @Override
            public int write(long offset, ByteBuffer src) throws NinePException {
                int n = src.remaining();
                if (offset + n > MAX_FILE) {
                    throw new NinePException(Errno.EFBIG, "too large for memory");
                }
                f.lock.writeLock().lock();
                try {
                    if (offset + n > f.data.length) {
                        f.data = Arrays.copyOf(f.data, (int) Math.max(offset + n,
                            Math.min(Integer.MAX_VALUE - 8, f.data.length * 2L)));
                    }
                    src.get(f.data, (int) offset, n);
                    f.size = Math.max(f.size, offset + n);
                    f.version++;
                    return n;
                } finally {
                    f.lock.writeLock().unlock();
                }
            }
        };
    }

    private synchronized List<DirEntry> list(Dir d, long offset) {
        List<DirEntry> all = new ArrayList<>();
        all.add(new DirEntry(qid(d), 1, DirEntry.DT_DIR, "."));
        Dir up = d.parent == null ? d : d.parent;
        all.add(new DirEntry(qid(up), 2, DirEntry.DT_DIR, ".."));
        long cookie = 3;
        for (Map.Entry<String, Node> e : d.children.entrySet()) {
            Node n = e.getValue();
            int type = n instanceof Dir
                ? DirEntry.DT_DIR
                : n instanceof Link ? DirEntry.DT_LNK : DirEntry.DT_REG;
            all.add(new DirEntry(qid(n), cookie++, type, e.getKey()));
        }
        return offset >= all.size() ? List.of() : all.subList((int) offset, all.size());
    }

    private Node add(Node dir, String name, Node child) throws NinePException {
        Dir d = dir(dir);
        if (d.children.containsKey(name)) {
            throw new NinePException(Errno.EEXIST, name);
        }
        d.children.put(name, child);
        d.version++;
        return child;
    }

    @Override
    public synchronized Node create(Caller c, Node dir, String name, int mode, int gid)
        throws NinePException {
        return add(dir, name, new File(nextPath.getAndIncrement(), dir(dir), mode & 07777));
    }

    @Override
    public synchronized Node mkdir(Caller c, Node dir, String name, int mode, int gid)
        throws NinePException {
        return add(dir, name, new Dir(nextPath.getAndIncrement(), dir(dir), mode & 07777));
    }

    @Override
    public synchronized Node symlink(Caller c, Node dir, String name, String target, int gid)
        throws NinePException {
        return add(dir, name, new Link(nextPath.getAndIncrement(), dir(dir), target));
    }

    @Override
    public synchronized void link(Node dir, Node target, String name) throws NinePException {
        if (!(target instanceof File f)) {
            throw new NinePException(Errno.EPERM, "hard links only to files");
        }
        add(dir, name, f);
        f.nlink++;
    }

    @Override
    public String readlink(Node n) throws NinePException {
        if (n instanceof Link l) {
            return l.target;
        }
        throw new NinePException(Errno.EINVAL, "not a symlink");
    }

    @Override
    public synchronized void renameat(Node oldDir, String oldName, Node newDir, String newName)
        throws NinePException {
        Dir from = dir(oldDir);
        Dir to = dir(newDir);
        Node n = from.children.get(oldName);
        if (n == null) {
            throw new NinePException(Errno.ENOENT, oldName);
        }
        for (Dir p = to; p != null; p = p.parent) {
            if (p == n) {
                throw new NinePException(Errno.EINVAL, "cannot move a directory into itself");
            }
        }
        Node old = to.children.get(newName);
        if (old instanceof Dir od && !od.children.isEmpty()) {
            throw new NinePException(Errno.ENOTEMPTY, newName);
        }
        from.children.remove(oldName);
        to.children.put(newName, n);
        n.parent = to;
        from.version++;
        to.version++;
    }

    @Override
    public synchronized void rename(Node node, Node newDir, String newName)
        throws NinePException {
        Dir from = node.parent;
        if (from == null) {
            throw new NinePException(Errno.EBUSY, "cannot rename the root");
        }
        String oldName = nameIn(from, node);
        renameat(from, oldName, newDir, newName);
    }

    private static String nameIn(Dir d, Node n) throws NinePException {
        for (Map.Entry<String, Node> e : d.children.entrySet()) {
            if (e.getValue() == n) {
                return e.getKey();
            }
        }
        throw new NinePException(Errno.ENOENT, "already removed");
    }

    @Override
    public synchronized void unlinkat(Node dir, String name, int flags) throws NinePException {
        Dir d = dir(dir);
        Node n = d.children.get(name);
        if (n == null) {
            throw new NinePException(Errno.ENOENT, name);
        }
        boolean rmdir = (flags & AT_REMOVEDIR) != 0;
        if (n instanceof Dir sub) {
            if (!rmdir) {
                throw new NinePException(Errno.EISDIR, name);
            }
            if (!sub.children.isEmpty()) {
                throw new NinePException(Errno.ENOTEMPTY, name);
            }
        } else if (rmdir) {
            throw new NinePException(Errno.ENOTDIR, name);
        }
        d.children.remove(name);
        d.version++;
        if (n instanceof File f) {
            f.nlink--;
        }
    }

    @Override
    public synchronized void remove(Node node) throws NinePException {
        Dir from = node.parent;
        if (from == null) {
            throw new NinePException(Errno.EBUSY, "cannot remove the root");
        }
        unlinkat(from, nameIn(from, node), node instanceof Dir ? AT_REMOVEDIR : 0);
    }

    @Override
    public StatFs statfs(Node node) {
        return new StatFs(StatFs.V9FS_MAGIC, 4096, 1 << 20, 1 << 19, 1 << 19, 1 << 16, 1 << 15,
            0x9f, 255);
    }

    /** @return a UTF-8 byte array */
    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
