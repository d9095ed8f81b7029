package io.vdisk.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.venti.Score;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VdiskFileTest {
    @TempDir
    Path dir;

    @Test
    void writeThenReadAndReplace() throws Exception {
        Path f = dir.resolve("a.vdisk");
        Score s = Score.hash(new byte[]{1}, 0, 1);
        VdiskFile.write(f, s);
        assertEquals("vdisk:" + s.toHex() + "\n", Files.readString(f));
        assertEquals(s, VdiskFile.read(f));
        VdiskFile.write(f, Score.ZERO);
        assertEquals(Score.ZERO, VdiskFile.read(f));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temp file left behind");
        }
    }

    @Test
    void garbageIsRejectedNamingTheFile() throws Exception {
        for (String bad : new String[]{"", "garbage", "vdisk:123", "vdisk:" + "g".repeat(40),
            "vdisk:" + "a".repeat(40) + "\nmore", "VDISK:" + "a".repeat(40)}) {
            Path f = dir.resolve("g.vdisk");
            Files.writeString(f, bad);
            Exception e = assertThrows(VdiskFile.BadPointerFileException.class, () -> VdiskFile
                .read(f));
            assertTrue(e.getMessage().startsWith(f.toString()) && !e.getMessage().contains("\n"),
                e.getMessage());
        }
    }

    @Test
    void missingFile() {
        assertThrows(NoSuchFileException.class, () -> VdiskFile.read(dir.resolve("none.vdisk")));
    }
}
