package io.vdisk.ninep.internal;

import io.vdisk.ninep.Attr;
import io.vdisk.ninep.Caller;
import io.vdisk.ninep.FileServer;
import io.vdisk.ninep.MemoryFileServer;
import io.vdisk.ninep.MemoryNode;
import io.vdisk.ninep.NinePException;
import io.vdisk.ninep.OpenFile;
import io.vdisk.ninep.Qid;
import io.vdisk.ninep.SetAttr;

/** Forwards to a {@link MemoryFileServer}, letting tests wrap open files. Thread-safe. */
abstract class DelegatingFileServer implements FileServer<MemoryNode> {
    final MemoryFileServer fs;

    DelegatingFileServer(MemoryFileServer fs) {
        this.fs = fs;
    }

    abstract OpenFile wrap(OpenFile f);

    @Override
    public MemoryNode attach(Caller caller, String aname) throws NinePException {
        return fs.attach(caller, aname);
    }

    @Override
    public Qid qid(MemoryNode node) {
        return fs.qid(node);
    }

    @Override
    public MemoryNode walk(MemoryNode dir, String name)
        throws NinePException {
        return fs.walk(dir, name);
    }

    @Override
    public Attr getattr(MemoryNode node) {
        return fs.getattr(node);
    }

    @Override
    public void setattr(MemoryNode node, SetAttr change) throws NinePException {
        fs.setattr(node, change);
    }

    @Override
    public OpenFile open(MemoryNode node, int flags) throws NinePException {
        return wrap(fs.open(node, flags));
    }
}
