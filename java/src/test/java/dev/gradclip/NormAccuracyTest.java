package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.internal.cpu.CpuEngine;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fp32 total norm over 10^8 elements is within 1e-6 (relative) of the exact value, on every
 * backend. The exact value is a double-double sum of the squares, which are exact in fp64.
 */
class NormAccuracyTest {
    private static final long N = 100_000_000L;
    private static TestSets set;
    private static double exact;

    @BeforeAll
    static void build() {
        set = new TestSets();
        var seg = set.add("huge", DType.F32, N);
        SplittableRandom rnd = new SplittableRandom(2026);
        double hi = 0;
        double lo = 0;
        for (long i = 0; i < N; i++) {
            // A mix of magnitudes makes naive fp32 accumulation fail by far more than 1e-6.
            float x = (float) (TestSets.gaussian(rnd) * ((i & 1023) == 0 ? 1e3 : 1.0));
            seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, x);
            double sq = (double) x * x;
            double s = hi + sq; // two-sum
            double bp = s - hi;
            lo += (hi - (s - bp)) + (sq - bp);
            hi = s;
        }
        exact = Math.sqrt(hi + lo);
    }

    @AfterAll
    static void free() {
        set.close();
    }

    private static void check(GradClip clip) {
        try (clip; GradientSet s = clip.register(set.tensors)) {
            double norm = s.norm(2).totalNorm();
            double rel = Math.abs(norm - exact) / exact;
            System.out.printf("%s: fp32 norm of 1e8 elements %.17g, exact %.17g, relative error %.2e%n",
                    clip.backend(), norm, exact, rel);
            assertTrue(rel <= 1e-6, clip.backend() + ": relative error " + rel);
        }
    }

    @Test
    void javaReference() {
        check(GradClip.open(Backend.JAVA));
    }

    @Test
    void nativeCpu() {
        org.junit.jupiter.api.Assumptions.assumeTrue(CpuEngine.unavailableReason() == null,
                () -> "cpu backend unavailable: " + CpuEngine.unavailableReason());
        check(GradClip.open(Backend.CPU));
    }
}
