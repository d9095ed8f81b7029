package io.vdisk.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The metadata stream: round trip, and one test per load rule. */
class ImageMetaTest {
    private static final ImageMeta META = new ImageMeta(10_000, 123, Kind.SCHEDULED, true, 7,
        "héllo", List.of(new Extent(0, 4000, 1, Content.RAW, 0), new Extent(4000, 6000, 2,
            Content.EXT4, 1)));

    @Test
    void roundTrip() throws Exception {
        assertEquals(META, ImageMeta.parse(META.toBytes(), "t"));
    }

    private static void fails(byte[] b, String expect) {
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageMeta.parse(
            b, "image x"));
        assertTrue(e.getMessage().contains(expect) && e.getMessage().contains("offset"), e
            .getMessage());
    }

    @Test
    void badMagic() {
        byte[] b = META.toBytes();
        b[0] = 'X';
        fails(b, "magic");
    }

    @Test
    void unknownVersion() {
        byte[] b = META.toBytes();
        b[ImageMeta.VERSION_OFFSET + 1] = 9;
        fails(b, "version");
    }

    @Test
    void unknownKindAndFlags() {
        byte[] b = META.toBytes();
        b[ImageMeta.KIND_OFFSET] = 42;
        fails(b, "kind");
        b = META.toBytes();
        b[ImageMeta.FLAGS_OFFSET] = 1;
        fails(b, "flags");
    }

    @Test
    void truncatedStream() {
        byte[] b = META.toBytes();
        fails(java.util.Arrays.copyOf(b, b.length - 1), "need");
        fails(java.util.Arrays.copyOf(b, 10), "bytes");
    }

    @Test
    void extentGapOrEntryZero() {
        byte[] b = META.toBytes();
        int second = ImageMeta.MESSAGE_OFFSET
            + "héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8).length
            + ImageMeta.EXTENT_SIZE;
        ByteBuffer.wrap(b).putLong(second, 4001);
        fails(b, "starts at");
        b = META.toBytes();
        ByteBuffer.wrap(b).putInt(second + 16, 0);
        fails(b, "entry 0");
    }

    @Test
    void extentsMustCoverTheDisk() {
        byte[] b = META.toBytes();
        ByteBuffer.wrap(b).putLong(ImageMeta.SIZE_OFFSET, 20_000);
        fails(b, "cover");
    }
}
