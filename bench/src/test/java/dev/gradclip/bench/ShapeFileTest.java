package dev.gradclip.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShapeFileTest {
    @Test
    void readsNamesDimsCommentsAndBlankLines() {
        ShapeSet s = ShapeFile.parse("mine", List.of(
                "# my model",
                "fc1.weight 768x3072   # the big one",
                "",
                "  fc1.bias\t3072",
                "50257x768"), "mine.txt");
        assertEquals("mine", s.name());
        assertEquals(3, s.tensors().size());
        assertEquals(new TensorShape("fc1.weight", 768, 3072), s.tensors().get(0));
        assertEquals(new TensorShape("fc1.bias", 3072), s.tensors().get(1));
        assertEquals("t5", s.tensors().get(2).name(), "a nameless line is named after its line number");
        assertArrayEquals(new long[] {50257, 768}, s.tensors().get(2).dims());
        assertEquals(768L * 3072 + 3072 + 50257L * 768, s.elementCount());
    }

    @Test
    void malformedLinesAreRejectedWithTheirLineNumber() {
        assertError("mine.txt:2: 'x12' is not DIMS", "a 4", "b x12");
        assertError("mine.txt:1: dimension 0", "a 4x0");
        assertError("mine.txt:1: expected 'NAME DIMS' or 'DIMS'", "a b 4");
        assertError("mine.txt:1: '4.5' is not DIMS", "a 4.5");
        assertError("no tensors", "# nothing", "");
    }

    private static void assertError(String expected, String... lines) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShapeFile.parse("mine", List.of(lines), "mine.txt"));
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }

    @Test
    void aFileIsNamedWithoutItsExtension(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("llama-mini.shapes.txt");
        Files.write(file, List.of("w 4x4"));
        assertEquals("llama-mini.shapes", ShapeFile.read(file).name());
    }

    @Test
    void everyTensorShapeWritesBackAsALineTheParserReads() {
        ShapeSet gpt2 = BuiltinSets.byName("gpt2-124m");
        List<String> lines = gpt2.tensors().stream().map(TensorShape::toString).toList();
        assertEquals(gpt2.tensors(), ShapeFile.parse("gpt2-124m", lines, "round trip").tensors());
    }
}
