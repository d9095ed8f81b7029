package io.vdisk.image.layout;

/**
 * A partition found in a partition table. Immutable, thread-safe.
 *
 * @param number 1-based: MBR primaries 1..4, logicals from 5; GPT entries by slot + 1
 * @param type the MBR type byte in hex, or the GPT type GUID
 */
public record Partition(int number, long offset, long length, String type) {
    public long end() {
        return offset + length;
    }
}
