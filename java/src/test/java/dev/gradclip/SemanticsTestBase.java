package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * docs/SEMANTICS.md on small sets whose answers are worked out by hand, run on every backend.
 * Subclasses open the backend; device backends override {@link #place} and {@link #values}.
 */
abstract class SemanticsTestBase {
    private GradClip clip;
    private TestSets data;

    protected abstract GradClip openBackend();

    protected List<Tensor> place(TestSets host) {
        return host.tensors;
    }

    /** {@return tensor {@code t}'s values after the operation (device backends copy back first)} */
    protected double[] values(TestSets host, List<Tensor> placed, int t) {
        Tensor x = host.tensors.get(t);
        double[] v = new double[(int) x.elementCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = TestSets.get(x.data(), x.dtype(), i);
        }
        return v;
    }

    protected void release(List<Tensor> placed) {}

    private List<Tensor> placed;

    private GradientSet set(DType dtype, double[]... tensors) {
        if (clip == null) {
            clip = openBackend();
        }
        data = new TestSets();
        for (int t = 0; t < tensors.length; t++) {
            var seg = data.add("t" + t, dtype, tensors[t].length);
            for (int i = 0; i < tensors[t].length; i++) {
                TestSets.put(seg, dtype, i, tensors[t][i]);
            }
        }
        placed = place(data);
        return clip.register(placed);
    }

    private double[] out(int t) {
        return values(data, placed, t);
    }

    @AfterEach
    void tearDown() {
        if (placed != null) {
            release(placed);
        }
        if (data != null) {
            data.close();
        }
        if (clip != null) {
            clip.close();
        }
    }

    @Test
    void normsOfThreeFour() {
        try (GradientSet s = set(DType.F32, new double[] {3, 4})) {
            assertEquals(5.0, s.norm(2).totalNorm());
            assertEquals(7.0, s.norm(1).totalNorm());
            assertEquals(4.0, s.norm(ClipPolicy.INF).totalNorm());
            assertEquals(Math.pow(91, 1.0 / 3), s.norm(3).totalNorm(), 1e-15);
            ClipResult r = s.norm(2);
            assertFalse(r.clipped());
            assertFalse(r.nonFinite());
            assertEquals(1.0, r.coefficient());
        }
    }

    @Test
    void totalNormIsOverAllTensorsAndTensorNormsAreEach() {
        try (GradientSet s = set(DType.F64, new double[] {3}, new double[] {}, new double[] {4})) {
            ClipResult r = s.norm(2);
            assertEquals(5.0, r.totalNorm());
            assertEquals(3.0, r.tensorNorm(0));
            assertEquals(0.0, r.tensorNorm(1));
            assertEquals(4.0, r.tensorNorm(2));
        }
    }

    @Test
    void globalClipExactRuleScalesByCOverN() {
        try (GradientSet s = set(DType.F32, new double[] {3, 4}, new double[] {0})) {
            ClipResult r = s.clip(ClipPolicy.globalNorm(1).withRule(CoefficientRule.EXACT));
            assertEquals(5.0, r.totalNorm());
            assertEquals(0.2, r.coefficient());
            assertTrue(r.clipped());
            assertEquals(1, r.clippedCount());
            assertArrayEquals(new double[] {(float) (3 * 0.2), (float) (4 * 0.2)}, out(0));
        }
    }

    @Test
    void globalClipTorchRuleUsesTheEpsilonGuard() {
        try (GradientSet s = set(DType.F64, new double[] {3, 4})) {
            ClipResult r = s.clip(ClipPolicy.globalNorm(1));
            double coef = 1.0 / (5.0 + 1e-6);
            assertEquals(coef, r.coefficient());
            assertArrayEquals(new double[] {3 * coef, 4 * coef}, out(0));
        }
    }

    @Test
    void noWriteAndCoefficientOneBelowTheThreshold() {
        try (GradientSet s = set(DType.F32, new double[] {3, 4})) {
            ClipResult r = s.clip(ClipPolicy.globalNorm(5).withRule(CoefficientRule.EXACT));
            assertEquals(1.0, r.coefficient());
            assertFalse(r.clipped());
            assertEquals(0, r.clippedCount());
            assertArrayEquals(new double[] {3, 4}, out(0));
            // TORCH at n == c: c / (c + 1e-6) < 1, so PyTorch (and we) scale by a hair.
            assertTrue(s.clip(ClipPolicy.globalNorm(5)).clipped());
        }
    }

    @Test
    void perTensorClipScalesOnlyTheTensorsAboveTheThreshold() {
        try (GradientSet s = set(DType.F64, new double[] {3, 4}, new double[] {0.3, 0.4})) {
            ClipResult r = s.clip(ClipPolicy.perTensorNorm(1).withRule(CoefficientRule.EXACT));
            assertEquals(1, r.clippedCount());
            assertEquals(0.2, r.coefficient());
            assertEquals(5.0, r.tensorNorm(0));
            assertEquals(0.5, r.tensorNorm(1), 1e-16);
            assertArrayEquals(new double[] {3 * 0.2, 4 * 0.2}, out(0));
            assertArrayEquals(new double[] {0.3, 0.4}, out(1));
        }
    }

    @Test
    void valueClipClampsCountsAndKeepsNaN() {
        try (GradientSet s = set(DType.F32, new double[] {-3, 0.5, 2, Double.NaN, Double.POSITIVE_INFINITY})) {
            ClipResult r = s.clip(ClipPolicy.value(1));
            assertTrue(r.nonFinite());
            assertEquals(3, r.clippedCount());
            assertArrayEquals(new double[] {-1, 0.5, 1, Double.NaN, 1}, out(0));
        }
    }

    @Test
    void skipAndErrorWriteNothing() {
        double[] in = {-3, 0.5, 2, Double.NaN};
        try (GradientSet s = set(DType.BF16, in)) {
            ClipResult r = s.clip(ClipPolicy.value(1).withNonFinite(NonFinitePolicy.SKIP));
            assertTrue(r.nonFinite());
            assertFalse(r.clipped());
            assertArrayEquals(in, out(0));
            assertThrows(NonFiniteGradientException.class,
                    () -> s.clip(ClipPolicy.globalNorm(1).withNonFinite(NonFinitePolicy.ERROR)));
            assertArrayEquals(in, out(0));
            r = s.clip(ClipPolicy.perTensorNorm(1).withNonFinite(NonFinitePolicy.SKIP));
            assertTrue(Double.isNaN(r.totalNorm()));
            assertFalse(r.clipped());
            assertArrayEquals(in, out(0));
        }
    }

    @Test
    void propagateAppliesNaNAndZeroCoefficientsAsPyTorchDoes() {
        try (GradientSet s = set(DType.F32, new double[] {1, Double.NaN})) {
            ClipResult r = s.clip(ClipPolicy.globalNorm(1));
            assertTrue(Double.isNaN(r.coefficient()));
            assertTrue(r.clipped());
            assertArrayEquals(new double[] {Double.NaN, Double.NaN}, out(0));
        }
        try (GradientSet s = set(DType.F16, new double[] {2, Double.NEGATIVE_INFINITY})) {
            ClipResult r = s.clip(ClipPolicy.globalNorm(1));
            assertEquals(Double.POSITIVE_INFINITY, r.totalNorm());
            assertEquals(0.0, r.coefficient());
            assertArrayEquals(new double[] {0, Double.NaN}, out(0)); // ∞ · 0 = NaN
        }
    }

    @Test
    void maxNormIsNaNWhenAnyElementIsNaN() {
        try (GradientSet s = set(DType.F64, new double[] {Double.NaN, 5}, new double[] {7})) {
            ClipResult r = s.norm(ClipPolicy.INF);
            assertTrue(Double.isNaN(r.totalNorm()));
            assertTrue(Double.isNaN(r.tensorNorm(0)));
            assertEquals(7.0, r.tensorNorm(1));
            assertTrue(r.nonFinite());
        }
    }

    @Test
    void scaledHalvesRoundToNearestEven() {
        double h = Math.scalb(1.0, -8);
        // bf16 has 7 fraction bits: 1 + 2^-8 ties between 1 and 1 + 2^-7 (odd) -> 1;
        // 1 + 3·2^-8 ties between 1 + 2^-7 (odd) and 1 + 2^-6 (even) -> 1 + 2^-6.
        try (GradientSet s = set(DType.BF16, new double[] {1, 1})) {
            s.scale(1 + h);
            assertArrayEquals(new double[] {1, 1}, out(0));
        }
        try (GradientSet s = set(DType.BF16, new double[] {1})) {
            s.scale(1 + 3 * h);
            assertArrayEquals(new double[] {1 + 4 * h}, out(0));
        }
        double e = Math.scalb(1.0, -11);
        // binary16 has 10 fraction bits (ulp(1) = 2e); 60000 has ulp 32; 2^-14 is the smallest normal.
        try (GradientSet s = set(DType.F16, new double[] {1, 60000, Math.scalb(1.0, -14)})) {
            s.scale(1 + 3 * e); // 1 + 1.5 ulp ties to even; 60087.9 -> 60096; 2^-14 + 1.5 ulp ties to even
            assertArrayEquals(new double[] {1 + 4 * e, 60096, Math.scalb(1.0, -14) + Math.scalb(1.0, -23)}, out(0));
            s.scale(2); // 120192 overflows to infinity
            assertArrayEquals(new double[] {2 + 8 * e, Double.POSITIVE_INFINITY,
                Math.scalb(1.0, -13) + Math.scalb(1.0, -22)}, out(0));
            s.scale(Math.scalb(1.0, -12)); // 2^-25 + 2^-34: just above half the smallest subnormal
            assertEquals(Math.scalb(1.0, -24), out(0)[2]);
        }
    }

    @Test
    void scaleByOneWritesNothingAndByZeroZeroes() {
        try (GradientSet s = set(DType.F32, new double[] {1.5, -2})) {
            assertFalse(s.scale(1).clipped());
            assertArrayEquals(new double[] {1.5, -2}, out(0));
            ClipResult r = s.scale(0);
            assertTrue(r.clipped());
            assertArrayEquals(new double[] {0, -0.0}, out(0));
        }
    }

    @Test
    void clipWithNormUsesTheGivenNorm() {
        try (GradientSet s = set(DType.F64, new double[] {3, 4})) {
            ClipResult r = s.clipWithNorm(10, ClipPolicy.globalNorm(1).withRule(CoefficientRule.EXACT));
            assertEquals(10.0, r.totalNorm());
            assertEquals(0.1, r.coefficient());
            assertArrayEquals(new double[] {3 * 0.1, 4 * 0.1}, out(0));
            r = s.clipWithNorm(0.5, ClipPolicy.globalNorm(1).withRule(CoefficientRule.EXACT));
            assertFalse(r.clipped());
            assertThrows(NonFiniteGradientException.class, () -> s.clipWithNorm(Double.NaN,
                    ClipPolicy.globalNorm(1).withNonFinite(NonFinitePolicy.ERROR)));
            r = s.clipWithNorm(Double.NaN, ClipPolicy.globalNorm(1).withNonFinite(NonFinitePolicy.SKIP));
            assertTrue(r.nonFinite());
            assertFalse(r.clipped());
            assertArrayEquals(new double[] {3 * 0.1, 4 * 0.1}, out(0));
        }
    }

    @Test
    void tinyAndHugeMagnitudesKeepTheirNorm() {
        try (GradientSet s = set(DType.F32, new double[] {3e-30, 4e-30}, new double[] {0})) {
            assertEquals(Math.hypot((float) 3e-30, (float) 4e-30), s.norm(2).totalNorm(), 1e-15 * 5e-30);
        }
        try (GradientSet s = set(DType.F32, new double[] {3e30, 4e30})) {
            assertEquals(Math.hypot((float) 3e30, (float) 4e30), s.norm(2).totalNorm(), 1e-15 * 5e30);
        }
    }
}
