package io.vdisk.fs;

import io.vdisk.ninep.Errno;
import io.vdisk.ninep.NinePException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;

/**
 * Turns the JDK's file-system exceptions into the errno a 9P client expects. The JDK keeps the
 * errno only as the message of a {@link FileSystemException} ("Not a directory", ...), so the
 * generic case matches on strerror(3) text. Stateless, thread-safe.
 */
final class Errors {
    private Errors() {
    }

    /**
     * @param e what the JDK threw
     * @param what the path or operation, for the message
     * @return the same failure with an errno
     */
    static NinePException of(IOException e, String what) {
        if (e instanceof NinePException n) {
            return n;
        }
        int errno = errno(e);
        return new NinePException(errno, what + ": " + Errno.message(errno), e);
    }

    /** The errno a 9P client is told for {@code e}; EIO when nothing more precise fits. */
    static int errno(IOException e) {
        if (e instanceof NoSuchFileException) {
            return Errno.ENOENT;
        }
        if (e instanceof FileAlreadyExistsException) {
            return Errno.EEXIST;
        }
        if (e instanceof DirectoryNotEmptyException) {
            return Errno.ENOTEMPTY;
        }
        if (e instanceof AccessDeniedException) {
            return Errno.EACCES;
        }
        if (e instanceof NotDirectoryException) {
            return Errno.ENOTDIR;
        }
        if (e instanceof NotLinkException) {
            return Errno.EINVAL;
        }
        if (e instanceof FileSystemLoopException) {
            return Errno.ELOOP;
        }
        String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        if (reason == null) {
            return Errno.EIO;
        }
        if (reason.contains("Not a directory")) {
            return Errno.ENOTDIR;
        }
        if (reason.contains("Is a directory")) {
            return Errno.EISDIR;
        }
        if (reason.contains("Directory not empty")) {
            return Errno.ENOTEMPTY;
        }
        if (reason.contains("Operation not permitted")) {
            return Errno.EPERM;
        }
        if (reason.contains("Read-only file system")) {
            return Errno.EROFS;
        }
        if (reason.contains("No space left")) {
            return Errno.ENOSPC;
        }
        if (reason.contains("Too many levels of symbolic links")) {
            return Errno.ELOOP;
        }
        if (reason.contains("cross-device link")) {
            return Errno.EXDEV;
        }
        if (reason.contains("File name too long")) {
            return Errno.ENAMETOOLONG;
        }
        if (reason.contains("Invalid argument")) {
            return Errno.EINVAL;
        }
        return Errno.EIO;
    }
}
