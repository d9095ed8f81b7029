package io.vdisk.ninep.internal;

import io.vdisk.ninep.Caller;
import io.vdisk.ninep.OpenFile;
import io.vdisk.ninep.Qid;

/**
 * One fid of a connection: the SPI node it names and, once opened, its {@link OpenFile}. The
 * naming fields are final; a create replaces the whole Fid in the table. Thread-safe: mutable
 * state is volatile and set at most once per open.
 */
final class Fid {
    final Object node;
    final Qid qid;
    final Caller caller;
    /** The last walked name, "/" for an attach root; used by classic stat. */
    final String name;
    /** The directory this node was walked from, or null when unknown; used by classic wstat. */
    final Object parent;
    /** An xattr-walk fid: reads return nothing. */
    final boolean xattr;
    volatile OpenFile open;
    volatile boolean removeOnClunk;
    volatile ClassicDirReader dirReader;

    Fid(Object node, Qid qid, Caller caller, String name, Object parent, boolean xattr) {
        this.node = node;
        this.qid = qid;
        this.caller = caller;
        this.name = name;
        this.parent = parent;
        this.xattr = xattr;
    }

    /** Closes the open file, if any. */
    void closeOpen() {
        OpenFile f = open;
        open = null;
        if (f != null) {
            f.close();
        }
    }
}
