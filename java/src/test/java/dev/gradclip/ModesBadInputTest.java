package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad arguments to AGC and per-sample clipping: a clear exception naming the problem, nothing written. */
class ModesBadInputTest {
    private static void assertMessage(Throwable e, String fragment) {
        assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' should mention '" + fragment + "'");
    }

    @Test
    void adaptiveClippingNeedsMatchingParameters() {
        float[] g = {3, 4, 5, 6};
        try (GradClip clip = GradClip.open(Backend.JAVA); GradientSet set = clip.register(Tensor.of("g", g, 4))) {
            assertMessage(assertThrows(IllegalStateException.class, () -> set.clip(ClipPolicy.adaptive(0.1))),
                    "attachParameters");
            Tensor three = Tensor.of("w3", new float[3], 3);
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> set.attachParameters(List.of(three), List.of(Units.whole()))), "w3");
            Tensor w = Tensor.of("w", new float[4], 4);
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> set.attachParameters(List.of(w), List.of(Units.rows(3)))), "do not divide");
            assertThrows(IllegalArgumentException.class, () -> set.attachParameters(List.of(w, w), List.of(Units.whole())));
            assertThrows(IllegalArgumentException.class, () -> ClipPolicy.adaptive(-1));
            assertThrows(IllegalArgumentException.class, () -> ClipPolicy.adaptive(0.1).withEps(0));
            assertArrayEquals(new float[] {3, 4, 5, 6}, g, "nothing written");
        }
    }

    @Test
    void perSampleRegistrationChecksEveryTensor() {
        try (GradClip clip = GradClip.open(Backend.JAVA); Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of("x", arena.allocate(24, 8), DType.F32, 6);
            Tensor y2 = Tensor.of("y2", arena.allocate(8, 8), DType.F32, 2);
            Tensor y3 = Tensor.of("y3", arena.allocate(12, 8), DType.F32, 3);
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> clip.registerPerSample(List.of(x), 4, List.of(y2))), "does not divide");
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> clip.registerPerSample(List.of(x), 2, List.of(y2))), "y2");
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> clip.registerPerSample(List.of(x), 0, List.of(y3))), "batch");
            Tensor inside = Tensor.of("inside", x.data().asSlice(4, 12), DType.F32, 3);
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> clip.registerPerSample(List.of(x), 2, List.of(inside))), "overlaps");
            Tensor readOnly = Tensor.of("ro", arena.allocate(12, 8).asReadOnly(), DType.F32, 3);
            assertMessage(assertThrows(IllegalArgumentException.class,
                    () -> clip.registerPerSample(List.of(x), 2, List.of(readOnly))), "read-only");
            assertThrows(IllegalArgumentException.class, () -> clip.registerPerSample(List.of(x), 2, List.of(y3, y3)));
            try (PerSampleSet s = clip.registerPerSample(List.of(x), 2, List.of(y3))) {
                assertThrows(IllegalStateException.class, () -> s.sampleNorm(0), "no aggregation yet");
                s.aggregate(PerSampleClip.flat(1), 0);
                assertThrows(IllegalStateException.class, () -> s.sampleNorm(0, 0), "FLAT has no per-layer norms");
                assertThrows(IndexOutOfBoundsException.class, () -> s.sampleNorm(2));
            }
        }
    }

    @Test
    void perSamplePoliciesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> PerSampleClip.flat(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> PerSampleClip.flat(1).withNoise(-1));
        assertThrows(IllegalArgumentException.class, () -> PerSampleClip.flat(1).withDivisor(0));
        assertThrows(IllegalArgumentException.class, () -> PerSampleClip.perLayer(1).withNoise(Double.POSITIVE_INFINITY));
    }
}
