package dev.gradclip.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class BuiltinSetsTest {
    @Test
    void gpt2SmallHasThe148RealParameterTensors() {
        ShapeSet s = BuiltinSets.byName("gpt2-124m");
        assertEquals(148, s.tensors().size());
        assertEquals(124_439_808L, s.elementCount());
        assertEquals(new TensorShape("wte.weight", 50257, 768), s.tensors().get(0));
        assertEquals(new TensorShape("wpe.weight", 1024, 768), s.tensors().get(1));
        assertEquals(new TensorShape("h.0.attn.c_attn.weight", 768, 2304), s.tensors().get(4));
        assertEquals(new TensorShape("h.11.mlp.c_proj.bias", 768), s.tensors().get(145));
        assertEquals(new TensorShape("ln_f.bias", 768), s.tensors().get(147));
        assertEquals(497_759_232L, s.byteSize(4));
    }

    @Test
    void gpt2XlHasTheSameStructureAt1600Wide48Deep() {
        ShapeSet s = BuiltinSets.byName("gpt2-1.5b");
        assertEquals(2 + 48 * 12 + 2, s.tensors().size());
        assertEquals(1_557_611_200L, s.elementCount());
        assertArrayEquals(new long[] {1600, 6400}, s.tensors().get(2 + 8).dims()); // h.0.mlp.c_fc.weight
    }

    @Test
    void theExtremesOfTensorCount() {
        ShapeSet flat = BuiltinSets.byName("flat-256m");
        assertEquals(1, flat.tensors().size());
        assertEquals(268_435_456L, flat.elementCount());
        ShapeSet tiny = BuiltinSets.byName("tiny-2000x4096");
        assertEquals(2000, tiny.tensors().size());
        assertEquals(2000L * 4096, tiny.elementCount());
    }

    @Test
    void defaultsAreBuiltInAndTheLargeSetIsNotADefault() {
        assertEquals(List.of("gpt2-124m", "tiny-2000x4096", "flat-256m", "gpt2-1.5b"), BuiltinSets.names());
        for (String name : BuiltinSets.DEFAULT_NAMES) {
            BuiltinSets.byName(name);
        }
        assertEquals(false, BuiltinSets.DEFAULT_NAMES.contains("gpt2-1.5b"));
        assertThrows(IllegalArgumentException.class, () -> BuiltinSets.byName("gpt2"));
    }
}
