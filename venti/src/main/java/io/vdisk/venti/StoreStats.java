package io.vdisk.venti;

/**
 * Counters of a block store.
 *
 * @param logicalBytes bytes handed to put, duplicates and zero blocks included
 * @param uniqueBytes truncated bytes of the distinct blocks stored
 * @param storedBytes bytes the blocks take on disk after compression, headers included
 * @param blocks distinct blocks stored
 * @param puts calls to put
 */
public record StoreStats(long logicalBytes, long uniqueBytes, long storedBytes, long blocks,
    long puts) {
}
