package io.vdisk.ninep;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sample {@link FileServer}: an in-memory tree of directories, files and symlinks. Thread-safe:
 * the namespace is guarded by this object's monitor, file contents by a read-write lock per file,
 * so reads of one file run in parallel.
 */
public final class MemoryFileServer implements FileServer<MemoryNode> {
    private static final int AT_REMOVEDIR = 0x200;
    /** Largest file this sample keeps in memory. */
    public static final long MAX_FILE = 64L << 20;
    private final AtomicLong nextPath = new AtomicLong(1);
    private final MemoryNode.Dir root;
    private final String rootPath;

    /**
     * @param rootPath the absolute path that also names the root in attach (as diod does)
     */
    public MemoryFileServer(String rootPath) {
        this.rootPath = rootPath;
        this.root = new MemoryNode.Dir(nextPath.getAndIncrement(), null, 0755);
    }

    /** Creates a file with the given bytes, making parent directories. */
    public synchronized void put(String path, byte[] bytes) {
        String[] parts = path.split("/");
        MemoryNode.Dir d = root;
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            MemoryNode n = d.children.get(parts[i]);
            if (n == null) {
                n = new MemoryNode.Dir(nextPath.getAndIncrement(), d, 0755);
                d.children.put(parts[i], n);
            }
            d = (MemoryNode.Dir) n;
        }
        MemoryNode.File f = new MemoryNode.File(nextPath.getAndIncrement(), d, 0644);
        f.data = bytes.clone();
        f.size = bytes.length;
        d.children.put(parts[parts.length - 1], f);
    }

    /** @return the bytes of a file, or null if there is none */
    public synchronized byte[] get(String path) {
        MemoryNode n = root;
        for (String p : path.split("/")) {
            if (p.isEmpty()) {
                continue;
            }
            n = n instanceof MemoryNode.Dir d ? d.children.get(p) : null;
        }
        if (n instanceof MemoryNode.File f) {
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
    public MemoryNode attach(Caller caller, String aname) throws NinePException {
        if (aname.isEmpty() || aname.equals("/") || aname.equals(rootPath)) {
            return root;
        }
        throw new NinePException(Errno.ENOENT, "no tree " + aname);
    }

    @Override
    public Qid qid(MemoryNode node) {
        return new Qid(node.qidType(), node.version, node.path);
    }

    @Override
    public synchronized MemoryNode walk(MemoryNode dir, String name) throws NinePException {
        MemoryNode.Dir d = dir(dir);
        if (name.equals("..")) {
            return d.parent == null ? d : d.parent;
        }
        if (name.equals(".")) {
            return d;
        }
        MemoryNode n = d.children.get(name);
        if (n == null) {
            throw new NinePException(Errno.ENOENT, name);
        }
        return n;
    }

    private static MemoryNode.Dir dir(MemoryNode n) throws NinePException {
        if (n instanceof MemoryNode.Dir d) {
            return d;
        }
        throw new NinePException(Errno.ENOTDIR, "not a directory");
    }

    @Override
    public Attr getattr(MemoryNode n) {
        long nlink = n instanceof MemoryNode.File f ? f.nlink : n instanceof MemoryNode.Dir ? 2 : 1;
        return Attr.of(n.mode, 0, 0, nlink, n.size(), n.mtime);
    }

    @Override
    public void setattr(MemoryNode n, SetAttr change) throws NinePException {
        if (change.has(SetAttr.SIZE)) {
            if (!(n instanceof MemoryNode.File f)) {
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
    public OpenFile open(MemoryNode n, int flags) throws NinePException {
        if (n instanceof MemoryNode.Dir d) {
            return new OpenFile() {
                @Override
                public List<DirEntry> readdir(long offset, int count) {
                    return list(d, offset);
                }
            };
        }
        if (!(n instanceof MemoryNode.File f)) {
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

    private synchronized List<DirEntry> list(MemoryNode.Dir d, long offset) {
        List<DirEntry> all = new ArrayList<>();
        all.add(new DirEntry(qid(d), 1, DirEntry.DT_DIR, "."));
        MemoryNode.Dir up = d.parent == null ? d : d.parent;
        all.add(new DirEntry(qid(up), 2, DirEntry.DT_DIR, ".."));
        long cookie = 3;
        for (Map.Entry<String, MemoryNode> e : d.children.entrySet()) {
            MemoryNode n = e.getValue();
            int type = n instanceof MemoryNode.Dir
                ? DirEntry.DT_DIR
                : n instanceof MemoryNode.Link ? DirEntry.DT_LNK : DirEntry.DT_REG;
            all.add(new DirEntry(qid(n), cookie++, type, e.getKey()));
        }
        return offset >= all.size() ? List.of() : all.subList((int) offset, all.size());
    }

    private MemoryNode add(MemoryNode dir, String name, MemoryNode child) throws NinePException {
        MemoryNode.Dir d = dir(dir);
        if (d.children.containsKey(name)) {
            throw new NinePException(Errno.EEXIST, name);
        }
        d.children.put(name, child);
        d.version++;
        return child;
    }

    @Override
    public synchronized MemoryNode create(Caller c, MemoryNode dir, String name, int mode, int gid)
        throws NinePException {
        return add(dir, name,
            new MemoryNode.File(nextPath.getAndIncrement(), dir(dir), mode & 07777));
    }

    @Override
    public synchronized MemoryNode mkdir(Caller c, MemoryNode dir, String name, int mode, int gid)
        throws NinePException {
        return add(dir, name,
            new MemoryNode.Dir(nextPath.getAndIncrement(), dir(dir), mode & 07777));
    }

    @Override
    public synchronized MemoryNode symlink(Caller c, MemoryNode dir, String name, String target,
        int gid)
        throws NinePException {
        return add(dir, name, new MemoryNode.Link(nextPath.getAndIncrement(), dir(dir), target));
    }

    @Override
    public synchronized void link(MemoryNode dir, MemoryNode target, String name)
        throws NinePException {
        if (!(target instanceof MemoryNode.File f)) {
            throw new NinePException(Errno.EPERM, "hard links only to files");
        }
        add(dir, name, f);
        f.nlink++;
    }

    @Override
    public String readlink(MemoryNode n) throws NinePException {
        if (n instanceof MemoryNode.Link l) {
            return l.target;
        }
        throw new NinePException(Errno.EINVAL, "not a symlink");
    }

    @Override
    public synchronized void renameat(MemoryNode oldDir, String oldName, MemoryNode newDir,
        String newName)
        throws NinePException {
        MemoryNode.Dir from = dir(oldDir);
        MemoryNode.Dir to = dir(newDir);
        MemoryNode n = from.children.get(oldName);
        if (n == null) {
            throw new NinePException(Errno.ENOENT, oldName);
        }
        for (MemoryNode.Dir p = to; p != null; p = p.parent) {
            if (p == n) {
                throw new NinePException(Errno.EINVAL, "cannot move a directory into itself");
            }
        }
        MemoryNode old = to.children.get(newName);
        if (old instanceof MemoryNode.Dir od && !od.children.isEmpty()) {
            throw new NinePException(Errno.ENOTEMPTY, newName);
        }
        from.children.remove(oldName);
        to.children.put(newName, n);
        n.parent = to;
        from.version++;
        to.version++;
    }

    @Override
    public synchronized void rename(MemoryNode node, MemoryNode newDir, String newName)
        throws NinePException {
        MemoryNode.Dir from = node.parent;
        if (from == null) {
            throw new NinePException(Errno.EBUSY, "cannot rename the root");
        }
        String oldName = nameIn(from, node);
        renameat(from, oldName, newDir, newName);
    }

    private static String nameIn(MemoryNode.Dir d, MemoryNode n) throws NinePException {
        for (Map.Entry<String, MemoryNode> e : d.children.entrySet()) {
            if (e.getValue() == n) {
                return e.getKey();
            }
        }
        throw new NinePException(Errno.ENOENT, "already removed");
    }

    @Override
    public synchronized void unlinkat(MemoryNode dir, String name, int flags)
        throws NinePException {
        MemoryNode.Dir d = dir(dir);
        MemoryNode n = d.children.get(name);
        if (n == null) {
            throw new NinePException(Errno.ENOENT, name);
        }
        boolean rmdir = (flags & AT_REMOVEDIR) != 0;
        if (n instanceof MemoryNode.Dir sub) {
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
        if (n instanceof MemoryNode.File f) {
            f.nlink--;
        }
    }

    @Override
    public synchronized void remove(MemoryNode node) throws NinePException {
        MemoryNode.Dir from = node.parent;
        if (from == null) {
            throw new NinePException(Errno.EBUSY, "cannot remove the root");
        }
        unlinkat(from, nameIn(from, node), node instanceof MemoryNode.Dir ? AT_REMOVEDIR : 0);
    }

    @Override
    public StatFs statfs(MemoryNode node) {
        return new StatFs(StatFs.V9FS_MAGIC, 4096, 1 << 20, 1 << 19, 1 << 19, 1 << 16, 1 << 15,
            0x9f, 255);
    }

    /** @return a UTF-8 byte array */
    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
