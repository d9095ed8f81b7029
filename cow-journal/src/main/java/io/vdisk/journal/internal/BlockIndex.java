package io.vdisk.journal.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * One generation's map from block number to the file position of its payload (or
 * {@link #ZERO}). Kept in a MapDB B-tree in a memory-mapped scratch file beside the log, so heap
 * use does not grow with the amount of dirty data. Not durable on purpose: the log records are
 * the truth and recovery rebuilds the index from them, which spares a MapDB commit per flush.
 * One index per generation because releasing a generation then deletes a file instead of
 * removing its entries one by one.
 *
 * <p>
 * Thread-safe (MapDB's B-tree is concurrent); the journal serialises writers anyway.
 */
public final class BlockIndex implements AutoCloseable {
    /** Value of a zero block: no payload stored. */
    public static final long ZERO = -1;

    private final DB db;
    private final BTreeMap<Long, Long> map;
    private final Path file;
    private boolean closed;

    public BlockIndex(Path file) throws IOException {
        this.file = file;
        Files.deleteIfExists(file);
        this.db = DBMaker.fileDB(file.toFile()).fileMmapEnableIfSupported().cleanerHackEnable()
            .fileDeleteAfterClose().make();
        this.map = db.treeMap("blocks", Serializer.LONG, Serializer.LONG).createOrOpen();
    }

    /** Payload position, {@link #ZERO}, or {@code null} if the generation lacks the block. */
    public Long get(long block) {
        return map.get(block);
    }

    public void put(long block, long position) {
        map.put(block, position);
    }

    /** Drops every block at or past {@code fromBlock}. */
    public void removeFrom(long fromBlock) {
        ConcurrentNavigableMap<Long, Long> tail = map.tailMap(fromBlock, true);
        while (!tail.isEmpty()) {
            tail.pollFirstEntry();
        }
    }

    public long count() {
        return map.sizeLong();
    }

    /** Entries in ascending block order. */
    public Iterable<Map.Entry<Long, Long>> entries() {
        return map.entrySet();
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            db.close();
            Files.deleteIfExists(file);
        }
    }
}
