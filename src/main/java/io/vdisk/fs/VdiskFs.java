package io.vdisk.fs;

import io.vdisk.image.Image;
import io.vdisk.image.ImageRoot;
import io.vdisk.image.VdiskFile;
import io.vdisk.live.Control;
import io.vdisk.live.IdleView;
import io.vdisk.live.LiveImage;
import io.vdisk.live.LiveImages;
import io.vdisk.ninep.Attr;
import io.vdisk.ninep.Caller;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.FileServer;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import io.vdisk.ninep.Qid;
import io.vdisk.ninep.SetAttr;
import io.vdisk.ninep.StatFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;

/**
 * vdiskfs: a vdisk root served over 9P. Ordinary files, directories and links pass through,
 * confined to the root ({@link RealTree}); the {@code .vdisk/} folder and pointer-file temp files
 * are invisible ({@link Names}). A {@code .vdisk} file reads and writes as the raw disk of its
 * {@link LiveImage}, shared with NBD. Three synthetic entries sit at the root, shadowing real
 * files of the same name:
 *
 * <ul>
 * <li>{@code /.snapshots/YYYY/MMDD/HHMMSS/path/to/vm.vdisk}: every snapshot (and the import) of
 * every image, read-only, dated in the server's zone;
 * <li>{@code /.scores/path/to/vm.vdisk}: the image's current root score, hex and a newline;
 * <li>{@code /ctl}: write a command ({@link Control}), then read its reply on the same fid.
 * </ul>
 *
 * <p>Images are not created, linked or renamed into existence over 9P ({@code vdisk import}
 * does that), and an image the server has opened cannot be renamed or removed (EBUSY): its
 * journal would later publish to the old name.
 *
 * <p>Thread-safe: nodes are values, per-open state lives in the {@link OpenFile}s, and the one
 * cache (the snapshot index) is replaced atomically.
 */
public final class VdiskFs implements FileServer<Node> {
    private static final int O_ACCMODE = 3;
    private static final int O_TRUNC = 01000;
    private static final int AT_REMOVEDIR = 0x200;

    private final LiveImages images;
    private final Control control;
    private final RealTree tree;
    private final String absRoot;
    /** The root with symbolic links resolved, which clients may name too. */
    private final String realRoot;
    private final Synthetic synthetic;

    /**
     * @param images the live images of the root to serve (its workspace names the root)
     * @param control runs the commands written to {@code /ctl}
     * @param zone the time zone of the {@code /.snapshots} dates
     * @throws IOException if the root cannot be resolved
     */
    public VdiskFs(LiveImages images, Control control, ZoneId zone) throws IOException {
        this.images = images;
        this.control = control;
        Path root = images.workspace().root();
        this.absRoot = root.toAbsolutePath().normalize().toString();
        this.tree = new RealTree(root.toRealPath());
        this.realRoot = tree.root().toString();
        Map<String, Object> a = Files.readAttributes(tree.root(), "unix:uid,gid");
        this.synthetic = new Synthetic(images, tree, zone, (Integer) a.get("uid"),
            (Integer) a.get("gid"));
    }

    @Override
    public Node attach(Caller caller, String aname) throws NinePException {
        String a = aname.length() > 1 && aname.endsWith("/")
            ? aname.substring(0, aname.length() - 1)
            : aname;
        if (a.isEmpty() || a.equals("/") || a.equals(absRoot) || a.equals(realRoot)
            || a.equals(tree.root().toString())) {
            return tree.lookup("");
        }
        throw new NinePException(Errno.ENOENT, "no tree " + aname + " (this server has "
            + absRoot + ")");
    }

    @Override
    public Qid qid(Node node) {
        return node.qid();
    }

    @Override
    public Node walk(Node dir, String name) throws NinePException {
        if (dir instanceof Node.SynDir s) {
            return name.equals("..") && s.path().isEmpty()
                ? tree.lookup("")
                : synthetic.walk(s, name);
        }
        Node.Real r = realDir(dir);
        if (name.equals(".")) {
            return r;
        }
        if (name.equals("..")) {
            // At the root ".." is the root itself: the walk cannot climb out.
            return tree.lookup(r.rel().isEmpty() ? "" : Names.parent(r.rel()));
        }
        if (Names.hidden(name)) {
            throw new NinePException(Errno.ENOENT, name);
        }
        if (r.rel().isEmpty()) {
            Node area = synthetic.top(name);
            if (area != null) {
                return area;
            }
        }
        return tree.lookup(Names.child(r.rel(), name));
    }

    /** @return {@code n} as a real directory, or ENOTDIR */
    private static Node.Real realDir(Node n) throws NinePException {
        if (n instanceof Node.Real r && r.isDir()) {
            return r;
        }
        throw new NinePException(Errno.ENOTDIR, "not a directory");
    }

    @Override
    public Attr getattr(Node node) throws NinePException {
        if (node instanceof Node.Real r) {
            return tree.getattr(r.rel(), -1);
        }
        if (node instanceof Node.Disk d) {
            return tree.getattr(d.rel(), size(d.rel()));
        }
        return synthetic.getattr(node);
    }

    @Override
    public void setattr(Node node, SetAttr c) throws NinePException {
        SetAttr rest = new SetAttr(c.valid() & ~SetAttr.SIZE, c.mode(), c.uid(), c.gid(), c.size(),
            c.atimeSec(), c.atimeNsec(), c.mtimeSec(), c.mtimeNsec());
        if (node instanceof Node.Real r) {
            if (c.has(SetAttr.SIZE)) {
                if (r.type() != Qid.QT_FILE) {
                    throw new NinePException(r.isDir() ? Errno.EISDIR : Errno.EINVAL,
                        "/" + r.rel() + ": not a regular file");
                }
                tree.truncate(r.rel(), c.size());
            }
            tree.setattr(r, r.rel(), rest);
        } else if (node instanceof Node.Disk d) {
            if (c.has(SetAttr.SIZE)) {
                if (c.size() < 0) {
                    throw new NinePException(Errno.EINVAL, "negative size");
                }
                LiveImage img = live(d.rel(), true);
                try {
                    LiveDiskFile.resize(img, c.size(), false);
                } finally {
                    img.release(true);
                }
            }
            tree.setattr(null, d.rel(), rest);
        } else if (node instanceof Node.Ctl) {
            // "echo cmd > ctl" may truncate first and touch times: nothing to keep, so accept
            if ((c.valid() & (SetAttr.MODE | SetAttr.UID | SetAttr.GID)) != 0) {
                throw new NinePException(Errno.EPERM, "ctl: attributes are fixed");
            }
        } else {
            throw new NinePException(Errno.EROFS, "synthetic files are read-only");
        }
    }

    @Override
    public OpenFile open(Node node, int flags) throws NinePException {
        boolean write = (flags & O_ACCMODE) != 0;
        boolean trunc = write && (flags & O_TRUNC) != 0;
        if (node instanceof Node.Real r) {
            if (r.isDir()) {
                if (write) {
                    throw new NinePException(Errno.EISDIR, "/" + r.rel());
                }
                tree.dir(r.rel()); // refuse now, not at the first readdir, if it became a link
                return new DirListing(
                    () -> tree.list(r, r.rel().isEmpty() ? synthetic.tops() : Map.of()));
            }
            if (r.type() == Qid.QT_SYMLINK) {
                throw new NinePException(Errno.ELOOP, "/" + r.rel() + ": a symbolic link");
            }
            var ch = tree.open(r.rel(), write, trunc);
            try {
                if (trunc) {
                    ch.truncate(0);
                }
            } catch (IOException e) {
                new PlainFile(ch, r.rel()).close();
                throw Errors.of(e, "/" + r.rel());
            }
            return new PlainFile(ch, "/" + r.rel());
        }
        if (node instanceof Node.Disk d) {
            if (!write && !trunc) {
                OpenFile idle = idle(d.rel());
                if (idle != null) return idle;
            }
            LiveImage img = live(d.rel(), write);
            LiveDiskFile f = new LiveDiskFile(img, write);
            if (trunc) {
                try {
                    LiveDiskFile.resize(img, 0, false);
                } catch (NinePException e) {
                    f.close();
                    throw e;
                }
            }
            return f;
        }
        if (node instanceof Node.Ctl) {
            return new CtlFile(control);
        }
        if (write) {
            throw new NinePException(node instanceof Node.SynDir ? Errno.EISDIR : Errno.EROFS,
                "synthetic files are read-only");
        }
        if (node instanceof Node.SynDir s) {
            return new DirListing(() -> synthetic.list(s));
        }
        if (node instanceof Node.SnapFile f) {
            try {
                ImageRoot root = ImageRoot.load(images.store(), f.score());
                return new RevisionFile(Image.of(images.store(), root), f.path());
            } catch (IOException e) {
                throw Errors.of(e, "/.snapshots/" + f.path());
            }
        }
        Node.ScoreFile s = (Node.ScoreFile) node;
        try {
            String hex = VdiskFile.read(tree.entry(s.image())).toHex() + "\n";
            return new TextFile(hex.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw Errors.of(e, "/.scores/" + s.image());
        }
    }

    /**
     * A read-only file of the image at {@code rel} that leaves it closed, if it is not open and
     * has no writes; else null.
     */
    private OpenFile idle(String rel) throws NinePException {
        return onImage(rel, () -> images.untouched(rel)
            ? new IdleDiskFile(new IdleView(images, rel), "/" + rel)
            : null);
    }

    /** The size of the image at {@code rel}, which stays closed if it has no writes. */
    private long size(String rel) throws NinePException {
        return onImage(rel, () -> images.size(rel));
    }

    /** The live image of the pointer file at {@code rel}, opened if need be and acquired. */
    private LiveImage live(String rel, boolean write) throws NinePException {
        return onImage(rel, () -> images.acquire(rel, write));
    }

    private interface ImageOp<T> {
        T run() throws IOException;
    }

    /** Runs {@code op} on the image at {@code rel}, its failure answered with an errno. */
    private <T> T onImage(String rel, ImageOp<T> op) throws NinePException {
        tree.entry(rel); // no links on the way, whatever LiveImages would follow
        try {
            return op.run();
        } catch (IOException e) {
            throw imageError(rel, e);
        }
    }

    private static NinePException imageError(String rel, IOException e) {
        return e instanceof NoSuchFileException
            ? new NinePException(Errno.ENOENT, "/" + rel + ": no such image", e)
            : new NinePException(Errno.EIO, "/" + rel + ": " + e.getMessage(), e);
    }

    /** Checks a name about to be created in {@code dir}. */
    private Node.Real creating(Node dir, String name, boolean image) throws NinePException {
        if (dir instanceof Node.SynDir) {
            throw new NinePException(Errno.EROFS, "synthetic directories are read-only");
        }
        Node.Real r = realDir(dir);
        if (Names.hidden(name)) {
            throw new NinePException(Errno.EACCES, name + ": reserved name");
        }
        if (r.rel().isEmpty() && synthetic.top(name) != null) {
            throw new NinePException(Errno.EEXIST, name);
        }
        if (image && Names.isImage(name)) {
            throw new NinePException(Errno.EPERM, name + ": images are made by 'vdisk import'"
                + " or 'vdisk clone', not over 9P");
        }
        return r;
    }

    @Override
    public Node create(Caller caller, Node dir, String name, int mode, int gid)
        throws NinePException {
        return tree.create(creating(dir, name, true).rel(), name, mode, null, false);
    }

    @Override
    public Node mkdir(Caller caller, Node dir, String name, int mode, int gid)
        throws NinePException {
        return tree.create(creating(dir, name, false).rel(), name, mode, null, true);
    }

    @Override
    public Node symlink(Caller caller, Node dir, String name, String target, int gid)
        throws NinePException {
        return tree.create(creating(dir, name, true).rel(), name, 0777, target, false);
    }

    @Override
    public void link(Node dir, Node target, String name) throws NinePException {
        Node.Real d = creating(dir, name, true);
        if (!(target instanceof Node.Real t) || t.isDir()) {
            throw new NinePException(Errno.EPERM, "only plain files can be hard-linked");
        }
        tree.link(d.rel(), name, t.rel());
    }

    @Override
    public String readlink(Node node) throws NinePException {
        if (node instanceof Node.Real r && r.type() == Qid.QT_SYMLINK) {
            return tree.readlink(r.rel());
        }
        throw new NinePException(Errno.EINVAL, "not a symbolic link");
    }

    @Override
    public void renameat(Node oldDir, String oldName, Node newDir, String newName)
        throws NinePException {
        String from = existing(oldDir, oldName);
        Node.Real to = creating(newDir, newName, false);
        String target = Names.child(to.rel(), newName);
        Node src = tree.lookup(from);
        if (Names.isImage(newName) != (src instanceof Node.Disk)
            && (src instanceof Node.Disk || src instanceof Node.Real r && !r.isDir())) {
            throw new NinePException(Errno.EPERM, "/" + from + " -> /" + target
                + ": a rename cannot make or unmake an image");
        }
        notBusy(from);
        notBusy(target);
        tree.rename(from, target);
    }

    @Override
    public void rename(Node node, Node newDir, String newName) throws NinePException {
        String rel = node instanceof Node.Real r
            ? r.rel()
            : node instanceof Node.Disk d
                ? d.rel()
                : null;
        if (rel == null || rel.isEmpty()) {
            throw new NinePException(Errno.EPERM, "cannot rename this");
        }
        renameat(tree.lookup(Names.parent(rel)), Names.last(rel), newDir, newName);
    }

    @Override
    public void unlinkat(Node dir, String name, int flags) throws NinePException {
        String rel = existing(dir, name);
        notBusy(rel);
        tree.unlink(rel, (flags & AT_REMOVEDIR) != 0);
    }

    @Override
    public void remove(Node node) throws NinePException {
        if (node instanceof Node.Disk d) {
            unlinkat(tree.lookup(Names.parent(d.rel())), Names.last(d.rel()), 0);
        } else if (node instanceof Node.Real r && !r.rel().isEmpty()) {
            unlinkat(tree.lookup(Names.parent(r.rel())), Names.last(r.rel()),
                r.isDir() ? AT_REMOVEDIR : 0);
        } else {
            throw new NinePException(Errno.EPERM, "cannot remove this");
        }
    }

    /** Checks an existing entry that is about to be moved or removed; @return its rel */
    private String existing(Node dir, String name) throws NinePException {
        if (dir instanceof Node.SynDir) {
            throw new NinePException(Errno.EROFS, "synthetic directories are read-only");
        }
        Node.Real r = realDir(dir);
        if (Names.hidden(name) || name.equals(".") || name.equals("..")) {
            throw new NinePException(Errno.ENOENT, name);
        }
        if (r.rel().isEmpty() && synthetic.top(name) != null) {
            throw new NinePException(Errno.EPERM, name + ": synthetic");
        }
        return Names.child(r.rel(), name);
    }

    /** EBUSY if {@code rel} is, or contains, an image this server has open. */
    private void notBusy(String rel) throws NinePException {
        for (LiveImage img : images.opened()) {
            if (img.name().equals(rel) || img.name().startsWith(rel + "/")) {
                throw new NinePException(Errno.EBUSY, "/" + rel + ": image " + img.name()
                    + " is open in the server");
            }
        }
    }

    @Override
    public StatFs statfs(Node node) throws NinePException {
        return tree.statfs();
    }
}
