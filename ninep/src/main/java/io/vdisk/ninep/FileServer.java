package io.vdisk.ninep;

/**
 * The file-server SPI that {@link NinePServer} serves: a tree of nodes addressed by opaque
 * handles of type {@code N}. A handle stands for one file, directory or link; the server keeps
 * one per fid and never looks inside it except through {@link #qid}. Failures are reported by
 * throwing {@link NinePException} with a Linux errno ({@link Errno}); any other exception becomes
 * {@link Errno#EIO}.
 *
 * <p>
 * Implementations must be thread-safe: calls arrive from many connections and, on one connection,
 * many outstanding requests at once. Names passed in are single path elements: never empty, never
 * containing '/' (the server refuses those with EINVAL); "." and ".." may appear in walks and
 * confinement of ".." at the root is the implementor's job. Only the node operations are
 * abstract; creation operations default to {@link Errno#EROFS} or {@link Errno#EOPNOTSUPP}.
 *
 * @param <N> the implementor's node handle type
 */
public interface FileServer<N> {
    /**
     * Attaches a user to the tree named by {@code aname} (Linux sends "", "/" or an absolute
     * path).
     *
     * @param caller who attaches
     * @param aname the tree name from {@code Tattach}
     * @return the root node
     * @throws NinePException e.g. ENOENT for an unknown tree, EACCES for a refused user
     */
    N attach(Caller caller, String aname) throws NinePException;

    /**
     * @param node a node
     * @return its qid; its type must be QT_DIR for directories and QT_SYMLINK for links
     */
    Qid qid(N node);

    /**
     * Looks up one name in a directory.
     *
     * @param dir the directory
     * @param name one path element (may be "." or "..")
     * @return the child
     * @throws NinePException ENOENT if missing, ENOTDIR if {@code dir} is not a directory
     */
    N walk(N dir, String name) throws NinePException;

    /**
     * @param node a node
     * @return its attributes
     * @throws NinePException ENOENT if it disappeared
     */
    Attr getattr(N node) throws NinePException;

    /**
     * Changes attributes; {@link SetAttr#SIZE} truncates or extends a file.
     *
     * @param node a node
     * @param change what to change
     * @throws NinePException e.g. EROFS, EPERM, EINVAL
     */
    void setattr(N node, SetAttr change) throws NinePException;

    /**
     * Opens a node for I/O (both {@code Tlopen} and classic {@code Topen}).
     *
     * @param node a node
     * @param flags Linux open(2) flags: O_RDONLY 0, O_WRONLY 1, O_RDWR 2, O_TRUNC 01000,
     *        O_APPEND 02000, O_DIRECTORY 0200000
     * @return the open file; closed by the server on clunk
     * @throws NinePException e.g. EROFS for write access to a read-only node
     */
    OpenFile open(N node, int flags) throws NinePException;

    /**
     * Creates a regular file that must not exist yet. The server opens it afterwards.
     *
     * @param caller the fid's user
     * @param dir the parent directory
     * @param name the new name
     * @param mode permission bits
     * @param gid the caller's effective gid
     * @return the new node
     * @throws NinePException EEXIST if it exists, EROFS, ...
     */
    default N create(Caller caller, N dir, String name, int mode, int gid) throws NinePException {
        throw new NinePException(Errno.EROFS, "read-only file system");
    }

    /**
     * Creates a directory.
     *
     * @param caller the fid's user
     * @param dir the parent directory
     * @param name the new name
     * @param mode permission bits
     * @param gid the caller's effective gid
     * @return the new directory
     * @throws NinePException EEXIST if it exists, EROFS, ...
     */
    default N mkdir(Caller caller, N dir, String name, int mode, int gid) throws NinePException {
        throw new NinePException(Errno.EROFS, "read-only file system");
    }

    /**
     * Creates a symbolic link.
     *
     * @param caller the fid's user
     * @param dir the parent directory
     * @param name the link name
     * @param target the link text
     * @param gid the caller's effective gid
     * @return the new link
     * @throws NinePException EEXIST, EROFS, EOPNOTSUPP, ...
     */
    default N symlink(Caller caller, N dir, String name, String target, int gid)
        throws NinePException {
        throw new NinePException(Errno.EOPNOTSUPP, "symlinks not supported");
    }

    /**
     * Creates a device node, FIFO or socket; refusing is fine.
     *
     * @param caller the fid's user
     * @param dir the parent directory
     * @param name the new name
     * @param mode type and permission bits
     * @param major device major
     * @param minor device minor
     * @param gid the caller's effective gid
     * @return the new node
     * @throws NinePException EPERM by default
     */
    default N mknod(Caller caller, N dir, String name, int mode, int major, int minor, int gid)
        throws NinePException {
        throw new NinePException(Errno.EPERM, "mknod not supported");
    }

    /**
     * Creates a hard link {@code name} in {@code dir} to {@code target}.
     *
     * @param dir the directory
     * @param target the existing node
     * @param name the new name
     * @throws NinePException EEXIST, EXDEV, EOPNOTSUPP, ...
     */
    default void link(N dir, N target, String name) throws NinePException {
        throw new NinePException(Errno.EOPNOTSUPP, "hard links not supported");
    }

    /**
     * @param node a symbolic link
     * @return its target text
     * @throws NinePException EINVAL if not a link
     */
    default String readlink(N node) throws NinePException {
        throw new NinePException(Errno.EINVAL, "not a symbolic link");
    }

    /**
     * Renames {@code oldName} in {@code oldDir} to {@code newName} in {@code newDir}, replacing
     * a file there (rename(2) semantics).
     *
     * @param oldDir source directory
     * @param oldName source name
     * @param newDir target directory
     * @param newName target name
     * @throws NinePException ENOENT, EXDEV, ENOTEMPTY, EROFS, ...
     */
    default void renameat(N oldDir, String oldName, N newDir, String newName)
        throws NinePException {
        throw new NinePException(Errno.EROFS, "read-only file system");
    }

    /**
     * Renames the node itself ({@code Trename}, classic {@code Twstat} name change). The
     * default needs the node's parent, which only the implementor knows.
     *
     * @param node the node to move
     * @param newDir the target directory
     * @param newName the target name
     * @throws NinePException as {@link #renameat}
     */
    default void rename(N node, N newDir, String newName) throws NinePException {
        throw new NinePException(Errno.EOPNOTSUPP, "rename by node not supported");
    }

    /**
     * Removes {@code name} from {@code dir} ({@code Tunlinkat}).
     *
     * @param dir the directory
     * @param name the entry
     * @param flags 0x200 (AT_REMOVEDIR) when removing a directory
     * @throws NinePException ENOENT, ENOTEMPTY, EISDIR, ENOTDIR, EROFS, ...
     */
    default void unlinkat(N dir, String name, int flags) throws NinePException {
        throw new NinePException(Errno.EROFS, "read-only file system");
    }

    /**
     * Removes the node itself ({@code Tremove}); the fid is clunked either way.
     *
     * @param node the node
     * @throws NinePException ENOTEMPTY, EROFS, ...
     */
    default void remove(N node) throws NinePException {
        throw new NinePException(Errno.EROFS, "read-only file system");
    }

    /**
     * @param node any node of the file system
     * @return file system statistics
     * @throws NinePException on failure
     */
    default StatFs statfs(N node) throws NinePException {
        return new StatFs(StatFs.V9FS_MAGIC, 4096, 0, 0, 0, 0, 0, 0, 255);
    }
}
