package io.vdisk.venti.internal;

import io.vdisk.venti.Score;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Blocks already read and verified, by score, up to a byte budget; least recently used go
 * first. A block named by its hash never changes, so an entry is never stale and nothing is
 * ever invalidated. Reads served from here skip the index lookup, the pread, the decompression
 * and the SHA-1: what Venti's own block cache is for.
 *
 * <p>Thread-safe: sharded by score, one lock per shard. Callers must not change the arrays they
 * put or get.
 */
public final class BlockCache {
    private static final int SHARDS = 64; // 2^6, see shard()
    /** Rough heap cost of an entry beyond its bytes: map node, key, array header. */
    private static final int ENTRY_OVERHEAD = 96;

    private final Shard[] shards;
    private final long shardBudget;

    private static final class Shard {
        final LinkedHashMap<Score, byte[]> map = new LinkedHashMap<>(256, 0.75f, true);
        long bytes;
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
        if (shardBudget == 0) return null;
        Shard sh = shard(s);
        synchronized (sh) {
            return sh.map.get(s);
        }
    }

    public void put(Score s, byte[] block) {
        long cost = block.length + ENTRY_OVERHEAD;
        if (cost > shardBudget) return;
        Shard sh = shard(s);
        synchronized (sh) {
            if (sh.map.putIfAbsent(s, block) != null) return;
            sh.bytes += cost;
            Iterator<Map.Entry<Score, byte[]>> eldest = sh.map.entrySet().iterator();
            while (sh.bytes > shardBudget && eldest.hasNext()) {
                sh.bytes -= eldest.next().getValue().length + ENTRY_OVERHEAD;
                eldest.remove();
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
