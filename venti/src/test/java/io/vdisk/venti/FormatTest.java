package io.vdisk.venti;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** One test per format rule of scores, block types, entries, roots and zero truncation. */
class FormatTest {
    private static final Score S = Score.hash("hello".getBytes(StandardCharsets.UTF_8), 0, 5);

    @Test
    void zeroScoreIsSha1OfNothing() {
        assertEquals(Score.ZERO, Score.hash(new byte[0], 0, 0));
        assertEquals("da39a3ee5e6b4b0d3255bfef95601890afd80709", Score.ZERO.toHex());
    }

    @Test
    void scoreHexRoundTripAndUnsignedOrder() {
        assertEquals("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", S.toHex());
        assertEquals(S, Score.fromHex(S.toHex().toUpperCase()));
        Score low = Score.fromHex("7fffffffffffffffffffffffffffffffffffffff");
        Score high = Score.fromHex("8000000000000000000000000000000000000000");
        assertTrue(low.compareTo(high) < 0, "compare must be unsigned");
        assertThrows(IllegalArgumentException.class, () -> Score.fromHex("xyz"));
        assertThrows(IllegalArgumentException.class,
            () -> Score.fromHex("g000000000000000000000000000000000000000"));
    }

    @Test
    void diskTypesMatchLibventi() {
        assertEquals(13, BlockType.DATA.diskType());
        assertEquals(2, BlockType.DIR.diskType());
        assertEquals(1, BlockType.ROOT.diskType());
        assertEquals(3, BlockType.DATA1.diskType());
        assertEquals(3, BlockType.DIR1.diskType());
        assertEquals(9, BlockType.DATA7.diskType());
        for (BlockType t : BlockType.values()) {
            BlockType back = BlockType.fromDiskType(t.diskType());
            assertEquals(t.depth(), back.depth(), t.toString());
        }
        for (int bad : new int[]{0, 10, 11, 12, 14, 255}) {
            assertThrows(IllegalArgumentException.class, () -> BlockType.fromDiskType(bad));
        }
    }

    @Test
    void entryFieldOffsets() {
        VtEntry e = new VtEntry(0x01020304, 8192, 4096, BlockType.DATA2,
            VtEntry.FLAG_ACTIVE | VtEntry.FLAG_LOCAL, 0x0000_A1B2_C3D4_E5F6L, S);
        byte[] b = e.toBytes();
        assertEquals(VtEntry.SIZE, b.length);
        ByteBuffer bb = ByteBuffer.wrap(b);
        assertEquals(0x01020304, bb.getInt(VtEntry.GEN_OFFSET));
        assertEquals(8192, bb.getShort(VtEntry.PSIZE_OFFSET) & 0xffff);
        assertEquals(4096, bb.getShort(VtEntry.DSIZE_OFFSET) & 0xffff);
        // active | depth 2 << 2 | local
        assertEquals(0x01 | 2 << 2 | 0x20, b[VtEntry.FLAGS_OFFSET] & 0xff);
        for (int i = 0; i < 5; i++)
            assertEquals(0, b[VtEntry.PAD_OFFSET + i]);
        assertEquals((byte) 0xA1, b[VtEntry.SIZE_OFFSET]);
        assertEquals((byte) 0xF6, b[VtEntry.SIZE_OFFSET + 5]);
        assertEquals(S, Score.fromBytes(b, VtEntry.SCORE_OFFSET));
        assertEquals(20, VtEntry.SCORE_OFFSET);
    }

    @Test
    void dirFlagAndRoundTrip() throws Exception {
        VtEntry e = new VtEntry(7, 1024, 512, BlockType.DIR1, VtEntry.FLAG_ACTIVE, 4000, S);
        byte[] b = e.toBytes();
        assertEquals(0x01 | 0x02 | 1 << 2, b[VtEntry.FLAGS_OFFSET] & 0xff);
        assertEquals(e, VtEntry.unpack(ByteBuffer.wrap(b)));
    }

    @Test
    void bigSizeEncoding() throws Exception {
        VtEntry e = VtEntry.data(1 << 17, 1 << 16, 1, 1L << 20, S);
        byte[] b = e.toBytes();
        assertEquals(0x40, b[VtEntry.FLAGS_OFFSET] & 0x40, "big flag");
        ByteBuffer bb = ByteBuffer.wrap(b);
        // 2^17 = (1024 << 5 | 7) meaning 1024 << 7; mantissa kept under 2^11
        int p = bb.getShort(VtEntry.PSIZE_OFFSET) & 0xffff;
        assertEquals(1 << 17, (p >>> 5) << (p & 31));
        assertTrue((p >>> 5) < 1 << 11);
        VtEntry back = VtEntry.unpack(ByteBuffer.wrap(b));
        assertEquals(1 << 17, back.psize());
        assertEquals(1 << 16, back.dsize());
        assertEquals(e, back);
        assertThrows(IllegalArgumentException.class,
            () -> VtEntry.data(65537 * 2 + 1, 8192, 1, 10, S).toBytes(),
            "inexact big encoding");
    }

    @Test
    void smallSizesDoNotUseBig() {
        byte[] b = VtEntry.data(65535 - 65535 % 20, 65535, 0, 10, S).toBytes();
        assertEquals(0, b[VtEntry.FLAGS_OFFSET] & 0x40);
    }

    @Test
    void rejectsBlockSizeBelow256() {
        byte[] b = VtEntry.data(8192, 8192, 0, 10, S).toBytes();
        ByteBuffer.wrap(b).putShort(VtEntry.DSIZE_OFFSET, (short) 255);
        VentiFormatException ex = assertThrows(VentiFormatException.class,
            () -> VtEntry.unpack(ByteBuffer.wrap(b)));
        assertEquals("dsize", ex.field());
        assertEquals(255, ex.value());
    }

    @Test
    void rejectsNonZeroPadding() {
        byte[] b = VtEntry.data(8192, 8192, 0, 10, S).toBytes();
        b[VtEntry.PAD_OFFSET + 3] = 1;
        VentiFormatException ex = assertThrows(VentiFormatException.class,
            () -> VtEntry.unpack(ByteBuffer.wrap(b)));
        assertEquals("pad[3]", ex.field());
    }

    @Test
    void rejectsSizeBeyondDepth() {
        // depth 0 holds one block of dsize
        byte[] b = VtEntry.data(8192, 8192, 0, 8193, S).toBytes();
        VentiFormatException ex = assertThrows(VentiFormatException.class,
            () -> VtEntry.unpack(ByteBuffer.wrap(b)));
        assertEquals("size", ex.field());
        assertEquals(8193L, ex.value());
        byte[] ok = VtEntry.data(8192, 8192, 1, 8192L * 409, S).toBytes();
        assertThrows(VentiFormatException.class, () -> {
            ByteBuffer.wrap(ok).putShort(VtEntry.SIZE_OFFSET + 2, (short) 0x7fff);
            VtEntry.unpack(ByteBuffer.wrap(ok));
        });
    }

    @Test
    void rejectsShortEntry() {
        VentiFormatException ex = assertThrows(VentiFormatException.class,
            () -> VtEntry.unpack(ByteBuffer.allocate(39)));
        assertEquals("length", ex.field());
    }

    @Test
    void inactiveEntryIsNotChecked() throws Exception {
        VtEntry e = VtEntry.unpack(ByteBuffer.allocate(40));
        assertTrue(!e.isActive());
    }

    @Test
    void oldVacZeroSizesReadAs4096() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(40);
        b.put(VtEntry.FLAGS_OFFSET, (byte) 1);
        Score.ZERO.writeTo(b.position(VtEntry.SCORE_OFFSET));
        VtEntry e = VtEntry.unpack(b.position(0));
        assertEquals(4096, e.psize());
        assertEquals(4096, e.dsize());
    }

    @Test
    void sizeFieldIs48Bits() {
        assertThrows(IllegalArgumentException.class,
            () -> VtEntry.data(8192, 8192, 7, 1L << 48, S));
        assertEquals(5, TreeShape.depthFor(8192, 8192, (1L << 48) - 1));
        assertThrows(IllegalArgumentException.class, () -> TreeShape.depthFor(256, 256, 1L << 47));
    }

    @Test
    void depthLimitIsSeven() {
        assertThrows(IllegalArgumentException.class, () -> BlockType.of(false, 8));
        assertEquals(BlockType.DIR7, BlockType.of(true, 7));
    }

    @Test
    void rootFieldOffsets() throws Exception {
        Score prev = Score.hash(new byte[]{1}, 0, 1);
        VtRoot r = new VtRoot("vm.vdisk", "vdisk", S, 8192, prev);
        byte[] b = r.toBytes();
        assertEquals(300, b.length);
        ByteBuffer bb = ByteBuffer.wrap(b);
        assertEquals(2, bb.getShort(VtRoot.VERSION_OFFSET));
        assertEquals('v', b[VtRoot.NAME_OFFSET]);
        assertEquals(2, VtRoot.NAME_OFFSET);
        assertEquals(130, VtRoot.TYPE_OFFSET);
        assertEquals('v', b[VtRoot.TYPE_OFFSET]);
        assertEquals(258, VtRoot.SCORE_OFFSET);
        assertEquals(S, Score.read(bb, VtRoot.SCORE_OFFSET));
        assertEquals(278, VtRoot.BLOCKSIZE_OFFSET);
        assertEquals(8192, bb.getShort(VtRoot.BLOCKSIZE_OFFSET));
        assertEquals(280, VtRoot.PREV_OFFSET);
        assertEquals(prev, Score.read(bb, VtRoot.PREV_OFFSET));
        assertEquals(r, VtRoot.parse(b));
    }

    @Test
    void rootRejectsWrongVersion() {
        byte[] b = new VtRoot("a", "vdisk", S, 8192, Score.ZERO).toBytes();
        b[1] = 3;
        VentiFormatException ex = assertThrows(VentiFormatException.class, () -> VtRoot.parse(b));
        assertEquals("version", ex.field());
        assertEquals(3, ex.value());
    }

    @Test
    void rootRejectsUnterminatedName() {
        byte[] b = new VtRoot("a", "vdisk", S, 8192, Score.ZERO).toBytes();
        java.util.Arrays.fill(b, VtRoot.NAME_OFFSET, VtRoot.NAME_OFFSET + 128, (byte) 'x');
        VentiFormatException ex = assertThrows(VentiFormatException.class, () -> VtRoot.parse(b));
        assertEquals("name", ex.field());
    }

    @Test
    void rootRejectsSmallBlockSizeAndWrongLength() {
        byte[] b = new VtRoot("a", "vdisk", S, 8192, Score.ZERO).toBytes();
        ByteBuffer.wrap(b).putShort(VtRoot.BLOCKSIZE_OFFSET, (short) 100);
        assertEquals("blocksize",
            assertThrows(VentiFormatException.class, () -> VtRoot.parse(b)).field());
        assertEquals("length",
            assertThrows(VentiFormatException.class, () -> VtRoot.parse(new byte[299]))
                .field());
    }

    @Test
    void dataTruncationDropsTrailingZerosAtEveryBoundary() {
        // past 512 bytes: the scan takes 256 zeros at a time, then 8, then one
        for (int len = 0; len <= 600; len++) {
            for (int last = -1; last < len; last++) {
                byte[] b = new byte[len + 2];
                b[0] = b[len + 1] = 9; // outside the range: never looked at
                if (last >= 0)
                    b[1 + last] = 7;
                assertEquals(last + 1, ZeroTruncation.truncatedLength(BlockType.DATA, b, 1, len));
                assertEquals(last + 1, ZeroTruncation.truncatedLength(BlockType.DIR, b, 1, len));
                assertEquals(last < 0, ZeroTruncation.isAllZero(b, 1, len));
            }
        }
        byte[] big = new byte[20000]; // more than one comparison of all-zero chunks
        assertTrue(ZeroTruncation.isAllZero(big, 0, big.length));
        big[19999] = 1;
        assertFalse(ZeroTruncation.isAllZero(big, 0, big.length));
        assertTrue(ZeroTruncation.isAllZero(big, 0, 19999));
        assertEquals(20000, ZeroTruncation.truncatedLength(BlockType.DATA, big, 0, big.length));
    }

    @Test
    void pointerTruncationDropsTrailingZeroScoresOnly() {
        byte[] p = new byte[5 * Score.SIZE + 7];
        for (int i = 0; i < 5; i++)
            Score.ZERO.copyTo(p, i * Score.SIZE);
        assertEquals(0, ZeroTruncation.truncatedLength(BlockType.DATA1, p, 0, p.length));
        S.copyTo(p, 2 * Score.SIZE);
        assertEquals(3 * Score.SIZE,
            ZeroTruncation.truncatedLength(BlockType.DATA1, p, 0, p.length));
        // All-zero bytes are not a zero score: nothing is dropped.
        byte[] zeros = new byte[3 * Score.SIZE];
        assertEquals(zeros.length,
            ZeroTruncation.truncatedLength(BlockType.DIR3, zeros, 0, zeros.length));
    }

    @Test
    void extendRestoresZeroScores() {
        byte[] p = new byte[4 * Score.SIZE + 3];
        S.copyTo(p, 0);
        java.util.Arrays.fill(p, Score.SIZE, p.length, (byte) 9);
        ZeroTruncation.extend(BlockType.DATA2, p, 0, Score.SIZE, p.length);
        for (int i = 1; i < 4; i++)
            assertEquals(Score.ZERO, Score.fromBytes(p, i * Score.SIZE));
        assertArrayEquals(new byte[3], java.util.Arrays.copyOfRange(p, 80, 83));
    }

    @Test
    void rootsAreNotTruncated() {
        byte[] r = new byte[VtRoot.SIZE];
        assertEquals(VtRoot.SIZE, ZeroTruncation.truncatedLength(BlockType.ROOT, r, 0, r.length));
    }

    @Test
    void allZeroBlockHasZeroScoreAndCostsNothing() throws Exception {
        MemoryBlockStore store = new MemoryBlockStore();
        assertEquals(Score.ZERO, store.put(BlockType.DATA, new byte[8192]));
        assertEquals(0, store.stats().blocks());
        assertArrayEquals(new byte[0], store.get(Score.ZERO, BlockType.DATA));
    }
}
