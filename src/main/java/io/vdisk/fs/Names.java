package io.vdisk.fs;

import io.vdisk.app.Workspace;
import io.vdisk.image.VdiskFile;
import java.util.regex.Pattern;

/**
 * Which names of the served directory a client may see. Hidden: the {@code .vdisk} folder (store
 * and journals) at any level, as {@link Workspace#images()} skips it everywhere, and the temp
 * files {@code .NAME.vdisk.tmp-PID} that an atomic pointer-file replace leaves for a moment.
 * Stateless, thread-safe.
 */
final class Names {
    private static final Pattern TEMP = Pattern.compile("\\..*\\.vdisk\\.tmp-.*");

    private Names() {
    }

    /** @return whether {@code name} must never be listed, walked to or created */
    static boolean hidden(String name) {
        return name.equals(Workspace.HIDDEN) || TEMP.matcher(name).matches();
    }

    /** @return whether {@code name} names an image pointer file */
    static boolean isImage(String name) {
        return name.endsWith(VdiskFile.EXTENSION) && name.length() > VdiskFile.EXTENSION.length();
    }

    /** @return "rel/name", or "name" at the root */
    static String child(String rel, String name) {
        return rel.isEmpty() ? name : rel + "/" + name;
    }

    /** @return the parent of a non-empty rel, "" for a top-level name */
    static String parent(String rel) {
        int slash = rel.lastIndexOf('/');
        return slash < 0 ? "" : rel.substring(0, slash);
    }

    /** @return the last element of a non-empty rel */
    static String last(String rel) {
        return rel.substring(rel.lastIndexOf('/') + 1);
    }
}
