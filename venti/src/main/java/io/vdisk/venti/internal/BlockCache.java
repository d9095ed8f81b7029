package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Blocks already read and verified, by score, up to a byte budget; the oldest entries go first.
 * A block named by its hash never changes, so an entry is never stale and nothing is ever
 * invalidated. Reads served from here skip the index lookup, the pread, the decompression and
 * the SHA-1: what Venti's own block cache is for.
 *
 * <p>Eviction is first in, first out rather than LRU so that a lookup takes no lock and writes
 * nothing: hot pointer blocks are looked up by every reader thread at once, and an access-ordered
 * map turned each lookup into a write to shared memory. A hot block that ages out is read and
 * verified once more.
 *
 * <p>Thread-safe: sharded by score; lookups are lock-free, insertions lock their shard. Callers
 * must not change the arrays they put or get.
 */
public final class BlockCache {
    private static final int SHARDS = 64; // 2^6, see shard()
    /** Rough heap cost of an entry beyond its bytes: map node, key, array header. */
    private static final int ENTRY_OVERHEAD = 96;

    private final Shard[] shards;
    private final long shardBudget;

    private static final class Shard {
        final ConcurrentHashMap<Score, byte[]> map = new ConcurrentHashMap<>();
        final ArrayDeque<Score> order = new ArrayDeque<>(); // guarded by this
        long bytes; // guarded by this
    }

    /** @param budgetBytes total budget; 0 disables the cache */
    public BlockCache(long budgetBytes) {
        this.shardBudget = budgetBytes / SHARDS;
        this.shards = new Shard[SHARDS];
        for (int i = 0; i < SHARDS; i++)
            shards[i] = new Shard();
    }

    private Shard shard(Score s) {
        // high bits pick the shard; the shard's hash map indexes by the low ones
        return shards[s.hashCode() >>> 26];
    }

    /** @return the verified block, or null */
    public byte[] get(Score s) {
        return shardBudget == 0 ? null : shard(s).map.get(s);
    }

    public void put(Score s, byte[] block) {
        long cost = block.length + ENTRY_OVERHEAD;
        if (cost > shardBudget) return;
        Shard sh = shard(s);
        synchronized (sh) {
            if (sh.map.putIfAbsent(s, block) != null) return;
            sh.order.addLast(s);
            sh.bytes += cost;
            while (sh.bytes > shardBudget) {
                byte[] old = sh.map.remove(sh.order.removeFirst());
                sh.bytes -= old.length + ENTRY_OVERHEAD;
            }
        }
    }

    /** Bytes held, entry overhead included. */
    public long bytes() {
        long n = 0;
        for (Shard sh : shards) {
            synchronized (sh) {
                n += sh.bytes;
            }
        }
        return n;
    }
}
