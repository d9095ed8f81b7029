package io.vdisk.venti.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vdisk.venti.Score;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreFilterTest {
    private static List<Score> scores(int from, int n) {
        List<Score> out = new ArrayList<>();
        for (int i = from; i < from + n; i++)
            out.add(Score.hash(ByteBuffer.allocate(4).putInt(i).array(), 0, 4));
        return out;
    }

    private static int falsePositives(ScoreFilter f, List<Score> absent) {
        int n = 0;
        for (Score s : absent) {
            if (f.mightContain(s)) n++;
        }
        return n;
    }

    @Test
    void aSavedFilterIsFoldedToWhatItsKeysNeedAndAnswersAsBefore(@TempDir Path dir)
        throws Exception {
        ScoreFilter f = new ScoreFilter(1 << 20); // 2 MiB of bits
        List<Score> in = scores(0, 20_000);
        in.forEach(f::add);
        List<Score> out = scores(1_000_000, 100_000);
        int before = falsePositives(f, out);

        Path file = dir.resolve(ScoreFilter.FILE);
        f.save(file, 42);
        // 20 000 keys at 10 bits each fit in 256 Kibit: 32 KiB, not 2 MiB
        assertEquals(4 + 4 + 8 + 4 + 20 + (32 << 10) + 4, Files.size(file));
        ScoreFilter loaded = ScoreFilter.load(file, 42);
        assertNotNull(loaded);
        assertEquals(32 << 10, loaded.sizeInBytes());
        for (Score s : in)
            assertTrue(loaded.mightContain(s), s.toString());
        // the folded filter is as good as one built at its size: about 10 bits a key
        int after = falsePositives(loaded, out);
        assertTrue(after >= before && after < out.size() / 50, before + " then " + after);

        // it fills up to its new capacity, then grows the chain; nothing is lost on the way
        List<Score> more = scores(2_000_000, 100_000);
        more.forEach(loaded::add);
        loaded.save(file, 43);
        ScoreFilter again = ScoreFilter.load(file, 43);
        for (Score s : in)
            assertTrue(again.mightContain(s));
        for (Score s : more)
            assertTrue(again.mightContain(s));
        assertTrue(falsePositives(again, out) < 2 * out.size() / 50);
    }
}
