package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Block RMS, AGC and per-sample clipping on small inputs worked out by hand (docs/SEMANTICS.md), per backend. */
abstract class ModesSemanticsTestBase {
    private GradClip clip;
    private Arena arena;

    protected abstract GradClip openBackend();

    @BeforeEach
    void open() {
        clip = openBackend();
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        arena.close();
        clip.close();
    }

    private Tensor f64(String name, double... values) {
        MemorySegment s = arena.allocate(Math.max(8, values.length * 8L), 64);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_DOUBLE, 0, values.length);
        return Tensor.of(name, s, DType.F64, values.length);
    }

    private static double[] values(Tensor t) {
        return t.data().asSlice(0, t.byteSize()).toArray(ValueLayout.JAVA_DOUBLE);
    }

    @Test
    void blockRmsScalesEachTensorByItsRootMeanSquare() {
        Tensor a = f64("a", 3, 4); // rms = 5 / sqrt(2)
        Tensor b = f64("b", 0.1, 0.1, 0.1, 0.1); // rms = 0.1: kept
        Tensor empty = f64("empty");
        try (GradientSet s = clip.register(a, b, empty)) {
            ClipResult r = s.clip(ClipPolicy.blockRms(1.0));
            double rms = 5 / Math.sqrt(2);
            assertEquals(rms, r.tensorNorm(0), 1e-15);
            assertEquals(0.1, r.tensorNorm(1), 1e-15);
            assertEquals(0.0, r.tensorNorm(2));
            assertEquals(Math.sqrt(25.04), r.totalNorm(), 1e-14);
            assertEquals(1 / rms, r.coefficient(), 1e-15);
            assertEquals(1, r.clippedCount());
            assertArrayEquals(new double[] {3 * (1 / rms), 4 * (1 / rms)}, values(a), 1e-15);
            assertArrayEquals(new double[] {0.1, 0.1, 0.1, 0.1}, values(b));
        }
    }

    @Test
    void adaptiveClippingWorksPerRowPerColumnAndPerTensor() {
        // Row 0: g = 5, w = 1 -> limit 1·1 -> scaled by 1/5. Row 1: g = 0.05 < 1·10 -> kept.
        Tensor rowsGrad = f64("rows", 3, 4, 0.03, 0.04);
        Tensor rowsParam = f64("w", 1, 0, 10, 0);
        // The same matrix transposed: column u holds row u above.
        Tensor colsGrad = f64("cols", 3, 0.03, 4, 0.04);
        Tensor colsParam = f64("wt", 1, 10, 0, 0);
        // Zero parameters: eps = 1e-3 floors the limit at 1e-3, so g = 5 is scaled by 1e-3 / 5.
        Tensor wholeGrad = f64("whole", 3, 4);
        Tensor wholeParam = f64("zero", 0, 0);
        try (GradientSet s = clip.register(rowsGrad, colsGrad, wholeGrad)) {
            s.attachParameters(List.of(rowsParam, colsParam, wholeParam),
                    List.of(Units.rows(2), Units.columns(2), Units.whole()));
            ClipResult r = s.clip(ClipPolicy.adaptive(1.0));
            assertArrayEquals(new double[] {0.6, 0.8, 0.03, 0.04}, values(rowsGrad), 1e-15);
            assertArrayEquals(new double[] {0.6, 0.03, 0.8, 0.04}, values(colsGrad), 1e-15);
            assertArrayEquals(new double[] {3 * 2e-4, 4 * 2e-4}, values(wholeGrad), 1e-18);
            assertEquals(3, r.clippedCount());
            assertEquals(2e-4, r.coefficient(), 1e-18);
            assertEquals(Math.sqrt(25.0025), r.tensorNorm(0), 1e-14);
            assertEquals(Math.sqrt(25.0025 * 2 + 25), r.totalNorm(), 1e-13);
        }
    }

    @Test
    void adaptiveClippingSkipsEverythingOnANonFiniteParameter() {
        Tensor g = f64("g", 3, 4, 30, 40);
        Tensor w = f64("w", 1, 0, Double.NaN, 0);
        try (GradientSet s = clip.register(g)) {
            s.attachParameters(List.of(w), List.of(Units.rows(2)));
            ClipResult r = s.clip(ClipPolicy.adaptive(0.1).withNonFinite(NonFinitePolicy.SKIP));
            assertTrue(r.nonFinite());
            assertFalse(r.clipped());
            assertArrayEquals(new double[] {3, 4, 30, 40}, values(g));
            r = s.clip(ClipPolicy.adaptive(0.1));
            double[] v = values(g);
            assertEquals(0.06, v[0], 1e-15); // row 0: g = 5 clipped to 0.1 · 1
            assertTrue(Double.isNaN(v[2]) && Double.isNaN(v[3]), "PROPAGATE: the NaN row becomes NaN");
        }
    }

    @Test
    void perSampleFlatClippingSumsClippedSamples() {
        // Two samples of one tensor: [3, 4] (norm 5) and [0.3, 0.4] (norm 0.5); C = 1, exact rule.
        Tensor x = f64("x", 3, 4, 0.3, 0.4);
        Tensor y = f64("y", 0, 0);
        try (PerSampleSet s = clip.registerPerSample(List.of(x), 2, List.of(y))) {
            ClipResult r = s.aggregate(PerSampleClip.flat(1.0).withRule(CoefficientRule.EXACT), 0);
            assertArrayEquals(new double[] {0.6 + 0.3, 0.8 + 0.4}, values(y), 1e-15);
            assertEquals(5.0, r.totalNorm(), 1e-15);
            assertEquals(0.2, r.coefficient(), 1e-15);
            assertEquals(1, r.clippedCount());
            assertEquals(5.0, s.sampleNorm(0), 1e-15);
            assertEquals(0.5, s.sampleNorm(1), 1e-15);
            s.aggregate(PerSampleClip.flat(1.0).withDivisor(2), 0); // Opacus's rule, then the mean
            double c = 1 / (5 + 1e-6);
            assertArrayEquals(new double[] {(3 * c + 0.3) / 2, (4 * c + 0.4) / 2}, values(y), 1e-15);
            assertArrayEquals(new double[] {3, 4, 0.3, 0.4}, values(x), "inputs are never written");
        }
    }

    @Test
    void perSampleLayerClippingClipsEachTensorOfEachSample() {
        // Sample 0: a = [3, 4] (5), b = [0.6] (0.6). Sample 1: a = [0, 0.5] (0.5), b = [2] (2). C = 1.
        Tensor a = f64("a", 3, 4, 0, 0.5);
        Tensor b = f64("b", 0.6, 2);
        Tensor ya = f64("ya", 9, 9);
        Tensor yb = f64("yb", 9);
        try (PerSampleSet s = clip.registerPerSample(List.of(a, b), 2, List.of(ya, yb))) {
            ClipResult r = s.aggregate(PerSampleClip.perLayer(1.0).withRule(CoefficientRule.EXACT), 0);
            assertArrayEquals(new double[] {0.6, 0.8 + 0.5}, values(ya), 1e-15);
            assertArrayEquals(new double[] {0.6 + 1.0}, values(yb), 1e-15);
            assertEquals(2, r.clippedCount());
            assertEquals(5.0, r.totalNorm(), 1e-15);
            assertEquals(0.6, s.sampleNorm(0, 1), 1e-15);
            assertEquals(2.0, s.sampleNorm(1, 1), 1e-15);
        }
    }

    @Test
    void noiseIsGaussianWithStdSigmaTimesCAndFollowsTheSeed() {
        int k = 200_000;
        Tensor x = Tensor.of("x", arena.allocate(8L * k * 2, 64), DType.F64, 2L * k);
        Tensor y = Tensor.of("y", arena.allocate(8L * k, 64), DType.F64, k);
        try (PerSampleSet s = clip.registerPerSample(List.of(x), 2, List.of(y))) {
            PerSampleClip policy = PerSampleClip.flat(2.0).withNoise(1.5);
            s.aggregate(policy, 42);
            double[] first = values(y);
            double mean = 0;
            double squares = 0;
            for (double v : first) {
                mean += v;
                squares += v * v;
            }
            mean /= k;
            double std = Math.sqrt(squares / k - mean * mean);
            assertEquals(0.0, mean, 5 * 3.0 / Math.sqrt(k), "mean of the noise");
            assertEquals(3.0, std, 0.03, "std of the noise = sigma · C");
            s.aggregate(policy, 42);
            assertArrayEquals(first, values(y), "same seed, same noise");
            s.aggregate(policy, 43);
            assertNotEquals(first[0], values(y)[0], "another seed, other noise");
        }
    }
}
