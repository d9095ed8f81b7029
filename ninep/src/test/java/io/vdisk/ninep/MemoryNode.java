package io.vdisk.ninep;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A node of {@link MemoryFileServer}'s tree: directory, file or symlink. Fields are volatile or
 * guarded (directory maps by the server's monitor, file bytes by the file's lock).
 */
public abstract class MemoryNode {
    final long path;
    volatile Dir parent;
    volatile int mode;
    volatile long mtime = System.currentTimeMillis() / 1000;
    volatile int version;

    MemoryNode(long path, Dir parent, int mode) {
        this.path = path;
        this.parent = parent;
        this.mode = mode;
    }

    abstract int qidType();

    abstract long size();

    static final class Dir extends MemoryNode {
        final Map<String, MemoryNode> children = new TreeMap<>();

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

    static final class File extends MemoryNode {
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

    static final class Link extends MemoryNode {
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
}
