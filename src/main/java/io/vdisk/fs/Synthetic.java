package io.vdisk.fs;

import io.vdisk.image.VdiskFile;
import io.vdisk.live.LiveImages;
import io.vdisk.ninep.Attr;
import io.vdisk.ninep.DirEntry;
import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import io.vdisk.venti.Score;
import java.io.IOException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The synthetic, read-only trees at the root of {@link VdiskFs}: {@code /.snapshots},
 * {@code /.scores} and {@code /ctl}. Their content is derived from the images' pointer files and
 * histories whenever it is looked at; the snapshot index is rebuilt when some head changed since
 * it was built. Thread-safe: the index is an immutable value in a volatile field, rebuilt under
 * this object's monitor.
 */
final class Synthetic {
    private static final Logger LOG = LoggerFactory.getLogger(Synthetic.class);
    /** Size of a {@code /.scores} file: 40 hex digits and a newline. */
    static final int SCORE_FILE_SIZE = 2 * Score.SIZE + 1;

    private final LiveImages images;
    private final RealTree tree;
    private final ZoneId zone;
    private final int uid;
    private final int gid;
    private volatile SnapshotIndex index = SnapshotIndex.empty();

    Synthetic(LiveImages images, RealTree tree, ZoneId zone, int uid, int gid) {
        this.images = images;
        this.tree = tree;
        this.zone = zone;
        this.uid = uid;
        this.gid = gid;
    }

    /** @return the synthetic entries of the root by name, in listing order */
    Map<String, Node> tops() {
        Map<String, Node> m = new LinkedHashMap<>();
        m.put(Node.Area.SNAPSHOTS.name, new Node.SynDir(Node.Area.SNAPSHOTS, ""));
        m.put(Node.Area.SCORES.name, new Node.SynDir(Node.Area.SCORES, ""));
        m.put(Node.Area.CTL.name, new Node.Ctl());
        return m;
    }

    /** @return the synthetic node called {@code name} at the root, or null */
    Node top(String name) {
        return tops().get(name);
    }

    /** Walks one name down from a synthetic directory ("..' at its top is the caller's). */
    Node walk(Node.SynDir dir, String name) throws NinePException {
        if (name.equals(".")) {
            return dir;
        }
        if (name.equals("..")) {
            return new Node.SynDir(dir.area(), Names.parent(dir.path()));
        }
        String p = Names.child(dir.path(), name);
        Node n = dir.area() == Node.Area.SNAPSHOTS
            ? snapshot(index(false), p)
            : score(p);
        if (n == null && dir.area() == Node.Area.SNAPSHOTS) {
            n = snapshot(index(true), p); // maybe a snapshot newer than the index
        }
        if (n == null) {
            throw new NinePException(Errno.ENOENT, name);
        }
        return n;
    }

    private static Node snapshot(SnapshotIndex idx, String p) {
        SnapshotIndex.Revision r = idx.file(p);
        if (r != null) {
            return new Node.SnapFile(p, r.score(), r.size());
        }
        return idx.list(p) != null ? new Node.SynDir(Node.Area.SNAPSHOTS, p) : null;
    }

    private Node score(String p) throws NinePException {
        for (String n : names()) {
            if (n.equals(p)) {
                return new Node.ScoreFile(p);
            }
            if (n.startsWith(p + "/")) {
                return new Node.SynDir(Node.Area.SCORES, p);
            }
        }
        return null;
    }

    Attr getattr(Node node) throws NinePException {
        long t = rootTime();
        if (node instanceof Node.SynDir) {
            return Attr.of(Attr.S_IFDIR | 0555, uid, gid, 2, 0, t);
        }
        if (node instanceof Node.SnapFile f) {
            return Attr.of(Attr.S_IFREG | 0444, uid, gid, 1, f.size(), t);
        }
        if (node instanceof Node.ScoreFile) {
            return Attr.of(Attr.S_IFREG | 0444, uid, gid, 1, SCORE_FILE_SIZE, t);
        }
        return Attr.of(Attr.S_IFREG | 0666, uid, gid, 1, 0, t);
    }

    /** Synthetic files carry the root directory's time: stable, and no clock to inject. */
    private long rootTime() throws NinePException {
        return tree.getattr("", -1).mtimeSec();
    }

    /** The entries of a synthetic directory. */
    List<DirEntry> list(Node.SynDir dir) throws NinePException {
        List<DirEntry> out = new ArrayList<>();
        if (dir.area() == Node.Area.SNAPSHOTS) {
            SnapshotIndex idx = index(true);
            NavigableSet<String> names = idx.list(dir.path());
            if (names == null) {
                throw new NinePException(Errno.ENOENT, "/.snapshots/" + dir.path());
            }
            for (String name : names) {
                out.add(RealTree.entry(snapshot(idx, Names.child(dir.path(), name)), out.size() + 1,
                    name));
            }
            return out;
        }
        String prefix = dir.path().isEmpty() ? "" : dir.path() + "/";
        NavigableSet<String> children = new TreeSet<>();
        for (String n : names()) {
            if (n.startsWith(prefix)) {
                String rest = n.substring(prefix.length());
                int slash = rest.indexOf('/');
                children.add(slash < 0 ? rest : rest.substring(0, slash));
            }
        }
        for (String name : children) {
            Node n = score(prefix + name);
            if (n != null) {
                out.add(RealTree.entry(n, out.size() + 1, name));
            }
        }
        return out;
    }

    private List<String> names() throws NinePException {
        try {
            return images.names();
        } catch (IOException e) {
            throw Errors.of(e, "listing images");
        }
    }

    /**
     * The snapshot index; with {@code refresh}, first re-reads every pointer file and rebuilds the
     * index if a head moved.
     */
    private SnapshotIndex index(boolean refresh) throws NinePException {
        if (!refresh) {
            return index;
        }
        Map<String, Score> heads = new HashMap<>();
        for (String n : names()) {
            try {
                heads.put(n, VdiskFile.read(tree.path(n)));
            } catch (IOException e) {
                LOG.warn("/.snapshots: skipping {}: {}", n, e.getMessage());
            }
        }
        synchronized (this) {
            if (!index.builtFrom(heads)) {
                try {
                    index = SnapshotIndex.build(images.store(), heads, zone);
                } catch (IOException e) {
                    throw Errors.of(e, "/.snapshots");
                }
            }
            return index;
        }
    }
}
