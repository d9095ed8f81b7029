package io.vdisk.fs;

import io.vdisk.ninep.Qid;
import io.vdisk.venti.Score;

/**
 * What a fid of {@link VdiskFs} points at. Nodes are plain values: they name a place in the tree
 * and are re-checked against the real file system on every operation, so a node never holds a
 * file open. Immutable, thread-safe.
 */
sealed interface Node {
    /** @return the 9P qid of this node */
    Qid qid();

    /**
     * A file, directory or symbolic link of the served directory, not a {@code .vdisk} image.
     *
     * @param rel '/'-separated path below the root, "" for the root; built only from checked names
     * @param type {@link Qid#QT_DIR}, {@link Qid#QT_FILE} or {@link Qid#QT_SYMLINK}
     * @param ino the inode number at walk time, the qid path
     */
    record Real(String rel, int type, long ino) implements Node {
        @Override
        public Qid qid() {
            return new Qid(type, 0, ino);
        }

        boolean isDir() {
            return type == Qid.QT_DIR;
        }
    }

    /**
     * A {@code .vdisk} pointer file, served as the raw disk of its live image.
     *
     * @param rel path of the pointer file below the root
     * @param ino its inode number
     */
    record Disk(String rel, long ino) implements Node {
        @Override
        public Qid qid() {
            return new Qid(Qid.QT_FILE, 0, ino);
        }
    }

    /**
     * A directory of a synthetic tree ({@code /.snapshots}, {@code /.scores} or below).
     *
     * @param area which tree
     * @param path '/'-separated path inside the area, "" for its top
     */
    record SynDir(Area area, String path) implements Node {
        @Override
        public Qid qid() {
            return new Qid(Qid.QT_DIR, 0, syntheticPath(area, path));
        }
    }

    /**
     * A read-only committed revision of an image, under {@code /.snapshots}.
     *
     * @param path path inside the snapshot area, e.g. "2026/1125/103000/vms/a.vdisk"
     * @param score the revision's root score
     * @param size the disk size of that revision
     */
    record SnapFile(String path, Score score, long size) implements Node {
        @Override
        public Qid qid() {
            return new Qid(Qid.QT_FILE, 0, syntheticPath(Area.SNAPSHOTS, path));
        }
    }

    /**
     * A file under {@code /.scores} holding an image's current score.
     *
     * @param image the image's path below the root
     */
    record ScoreFile(String image) implements Node {
        @Override
        public Qid qid() {
            return new Qid(Qid.QT_FILE, 0, syntheticPath(Area.SCORES, image));
        }
    }

    /** The control file {@code /ctl}. */
    record Ctl() implements Node {
        @Override
        public Qid qid() {
            return new Qid(Qid.QT_FILE, 0, syntheticPath(Area.CTL, ""));
        }
    }

    /** The synthetic trees at the root. */
    enum Area {
        SNAPSHOTS(".snapshots"), SCORES(".scores"), CTL("ctl");

        final String name;

        Area(String name) {
            this.name = name;
        }
    }

    /**
     * Qid paths of synthetic nodes: the top bit set (inode numbers never use it) and an FNV-1a
     * hash of the path, stable across restarts so clients' caches stay valid.
     */
    static long syntheticPath(Area area, String path) {
        long h = 0xcbf29ce484222325L;
        String s = area.name + "/" + path;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h | Long.MIN_VALUE;
    }
}
