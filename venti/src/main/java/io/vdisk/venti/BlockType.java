package io.vdisk.venti;

/**
 * Venti's block types.
 *
 * <p>In memory a type is libventi's modern numbering: {@code base | depth}, with base 0 for data,
 * 8 for directories (blocks of {@link VtEntry}s) and 16 for roots; depth 1..7 marks a pointer
 * block whose leaves are of that base. On disk and on the wire Venti uses the older numbering,
 * which this enum also carries:
 *
 * <pre>
 * | type      | code      | disk type            |
 * |-----------|-----------|----------------------|
 * | DATA      | 0         | 13 (OVtDataType)     |
 * | DATA+d    | d (1..7)  | 2+d (pointer d-1)    |
 * | DIR       | 8         | 2  (OVtDirType)      |
 * | DIR+d     | 8+d       | 2+d (pointer d-1)    |
 * | ROOT      | 16        | 1  (OVtRootType)     |
 * </pre>
 *
 * Pointer blocks of data and of directories share disk types, as in libventi. Thread-safe.
 */
public enum BlockType {
    DATA(0), DATA1(1), DATA2(2), DATA3(3), DATA4(4), DATA5(5), DATA6(6), DATA7(7), DIR(8), DIR1(
        9), DIR2(10), DIR3(11), DIR4(12), DIR5(13), DIR6(14), DIR7(15), ROOT(16);

    /** Deepest pointer level a tree may have. */
    public static final int MAX_DEPTH = 7;

    private static final BlockType[] BY_CODE = values();
    private static final int DISK_ROOT = 1, DISK_DIR = 2, DISK_POINTER0 = 3, DISK_DATA = 13;

    private final int code;

    BlockType(int code) {
        this.code = code;
    }

    /** libventi's modern type number. */
    public int code() {
        return code;
    }

    /** Pointer depth: 0 for leaves and roots. */
    public int depth() {
        return this == ROOT ? 0 : code & 7;
    }

    public boolean isPointer() {
        return depth() > 0;
    }

    /** Leaves are data, directory and root blocks; pointer blocks are not. */
    public BlockType leaf() {
        return this == ROOT ? ROOT : BY_CODE[code & ~7];
    }

    /** The pointer type {@code depth} levels above a data or directory leaf. */
    public static BlockType of(boolean dir, int depth) {
        if (depth < 0 || depth > MAX_DEPTH) {
            throw new IllegalArgumentException("depth " + depth + " outside 0.." + MAX_DEPTH);
        }
        return BY_CODE[(dir ? 8 : 0) + depth];
    }

    public static BlockType fromCode(int code) {
        if (code < 0 || code >= BY_CODE.length) {
            throw new IllegalArgumentException("no Venti block type " + code);
        }
        return BY_CODE[code];
    }

    /** Venti's on-disk type number. */
    public int diskType() {
        if (this == ROOT)
            return DISK_ROOT;
        int d = depth();
        if (d > 0)
            return DISK_POINTER0 + d - 1;
        return this == DIR ? DISK_DIR : DISK_DATA;
    }

    /**
     * Maps an on-disk type back. Pointer types are ambiguous between data and directory trees;
     * they come back as data pointers, which is how they are read (a list of scores) anyway.
     *
     * @throws IllegalArgumentException for numbers Venti never writes (0, 10..12, 14 and up)
     */
    public static BlockType fromDiskType(int disk) {
        if (disk == DISK_ROOT)
            return ROOT;
        if (disk == DISK_DIR)
            return DIR;
        if (disk == DISK_DATA)
            return DATA;
        if (disk >= DISK_POINTER0 && disk < DISK_POINTER0 + MAX_DEPTH) {
            return BY_CODE[disk - DISK_POINTER0 + 1];
        }
        throw new IllegalArgumentException("no Venti disk block type " + disk);
    }
}
