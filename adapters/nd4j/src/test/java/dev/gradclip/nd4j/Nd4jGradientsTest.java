package dev.gradclip.nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gradclip.Backend;
import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.CoefficientRule;
import dev.gradclip.GradClip;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Clips INDArrays on nd4j-native and compares with ND4J's own norm2 / muli / clamp. */
class Nd4jGradientsTest {

    @BeforeAll
    static void nd4jLoads() {
        try {
            Nd4j.create(1);
        } catch (Throwable t) {
            assumeTrue(false, "ND4J native backend did not load: " + t);
        }
    }

    private static GradClip open(Backend b) {
        if (b == Backend.CPU) {
            assumeTrue(GradClip.availability().get(Backend.CPU).startsWith("available"),
                    "cpu backend: " + GradClip.availability().get(Backend.CPU));
        }
        return GradClip.open(b);
    }

    private static Map<String, INDArray> grads(DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("0_W", Nd4j.randn(type, 7, 5).muli(3));
        g.put("0_b", Nd4j.randn(type, 1, 5));
        g.put("1_W", Nd4j.randn(type, 5, 3).muli(0.01));
        g.put("1_b", Nd4j.randn(type, 1, 3).muli(0.01));
        return g;
    }

    private static Map<String, INDArray> dup(Map<String, INDArray> g) {
        Map<String, INDArray> d = new LinkedHashMap<>();
        g.forEach((k, v) -> d.put(k, v.dup()));
        return d;
    }

    private static void assertClose(Map<String, INDArray> expected, Map<String, INDArray> actual, double tol) {
        expected.forEach((k, e) -> assertArrayEquals(e.ravel().toDoubleVector(), actual.get(k).ravel().toDoubleVector(), tol, k));
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"JAVA", "CPU"})
    void globalNormMatchesNd4jAndIsInPlace(Backend backend) {
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            Map<String, INDArray> g = grads(type, 42);
            Map<String, INDArray> expected = dup(g);
            double sq = 0;
            for (INDArray a : expected.values()) {
                double n = a.norm2Number().doubleValue();
                sq += n * n;
            }
            double norm = Math.sqrt(sq);
            double max = norm / 4;
            for (INDArray a : expected.values()) {
                a.muli(max / norm);
            }
            try (GradClip clip = open(backend); Nd4jGradients set = Nd4jGradients.register(clip, g)) {
                ClipResult r = set.clip(ClipPolicy.globalNorm(max).withRule(CoefficientRule.EXACT));
                assertTrue(r.clipped());
                assertEquals(norm, r.totalNorm(), norm * 1e-6);
            }
            assertClose(expected, g, type == DataType.FLOAT ? 1e-5 : 1e-12);   // g itself changed: zero-copy
        }
    }

    @Test
    void halfAndBfloat16() {
        for (DataType type : List.of(DataType.FLOAT16, DataType.BFLOAT16)) {
            Map<String, INDArray> g = grads(DataType.FLOAT, 7);
            Map<String, INDArray> low = new LinkedHashMap<>();
            g.forEach((k, v) -> low.put(k, v.castTo(type)));
            double sq = 0;
            for (INDArray a : low.values()) {
                double n = a.castTo(DataType.DOUBLE).norm2Number().doubleValue();
                sq += n * n;
            }
            double norm = Math.sqrt(sq);
            try (GradClip clip = GradClip.open(Backend.JAVA); Nd4jGradients set = Nd4jGradients.register(clip, low)) {
                ClipResult r = set.clip(ClipPolicy.globalNorm(norm / 2).withRule(CoefficientRule.EXACT));
                assertEquals(norm, r.totalNorm(), norm * 1e-9, type.toString());
            }
            double after = 0;
            for (INDArray a : low.values()) {
                double n = a.castTo(DataType.DOUBLE).norm2Number().doubleValue();
                after += n * n;
            }
            assertEquals(norm / 2, Math.sqrt(after), norm * 1e-2, type.toString());
        }
    }

    @Test
    void contiguousViewsAreZeroCopyAndStridedViewsAreRefused() {
        INDArray m = Nd4j.arange(0, 24).castTo(DataType.FLOAT).reshape('c', 4, 6);
        INDArray rows = m.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());   // offset 6, dense
        try (GradClip clip = GradClip.open(Backend.JAVA); Nd4jGradients set = Nd4jGradients.register(clip, List.of(rows))) {
            set.clip(ClipPolicy.value(8));
        }
        float[] expected = new float[24];
        for (int i = 0; i < 24; i++) {
            expected[i] = i >= 6 && i < 18 ? Math.min(i, 8) : i;
        }
        assertArrayEquals(expected, m.data().asFloat());

        INDArray transposed = m.transpose();                                    // f-order, dense
        assertEquals(24, Nd4jGradients.tensor("t", transposed).elementCount());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Nd4jGradients.tensor("col", m.getColumn(1)));
        assertTrue(e.getMessage().contains("strided view"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Nd4jGradients.tensor("i", Nd4j.zeros(DataType.INT32, 3)));
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"JAVA", "CPU"})
    void dl4jModesMatchDl4jArithmetic(Backend backend) {
        double t = 1.5;
        // ClipL2PerLayer: BaseMultiLayerUpdater.preApply - layer L2 > t -> layer *= t / L2
        Map<String, INDArray> g = grads(DataType.DOUBLE, 3);
        Map<String, INDArray> expected = dup(g);
        for (String layer : List.of("0", "1")) {
            double sq = 0;
            for (String p : List.of("_W", "_b")) {
                double n = expected.get(layer + p).norm2Number().doubleValue();
                sq += n * n;
            }
            double l2 = Math.sqrt(sq);
            if (l2 > t) {
                for (String p : List.of("_W", "_b")) {
                    expected.get(layer + p).muli(t / l2);
                }
            }
        }
        try (GradClip clip = open(backend);
             GradclipNormalization n = new GradclipNormalization(clip, GradclipNormalization.Mode.fromDl4jName("ClipL2PerLayer"), t)) {
            assertTrue(n.apply(g));
            assertClose(expected, g, 1e-12);
            n.apply(g);                               // second step: at the threshold (up to rounding), unchanged
            assertClose(expected, g, 1e-12);
        }

        // ClipL2PerParamType: each array with L2 > t -> array /= (L2 / t)
        g = grads(DataType.DOUBLE, 4);
        expected = dup(g);
        for (INDArray a : expected.values()) {
            double l2 = a.norm2Number().doubleValue();
            if (l2 > t) {
                a.divi(l2 / t);
            }
        }
        try (GradClip clip = open(backend);
             GradclipNormalization n = new GradclipNormalization(clip, GradclipNormalization.Mode.CLIP_L2_PER_PARAM_TYPE, t)) {
            n.apply(g);
            assertClose(expected, g, 1e-12);
        }

        // ClipElementWiseAbsoluteValue: clipbyvalue(-t, t)
        g = grads(DataType.FLOAT, 5);
        expected = dup(g);
        for (INDArray a : expected.values()) {
            org.nd4j.linalg.ops.transforms.Transforms.min(a, t, false);
            org.nd4j.linalg.ops.transforms.Transforms.max(a, -t, false);
        }
        try (GradClip clip = open(backend);
             GradclipNormalization n = new GradclipNormalization(clip, GradclipNormalization.Mode.CLIP_ELEMENT_WISE_ABSOLUTE_VALUE, t)) {
            n.apply(g);
            assertClose(expected, g, 0);
        }

        // RenormalizeL2PerLayer: layer /= layer L2 (the threshold is not used)
        g = grads(DataType.DOUBLE, 6);
        expected = dup(g);
        for (String layer : List.of("0", "1")) {
            double sq = 0;
            for (String p : List.of("_W", "_b")) {
                double n = expected.get(layer + p).norm2Number().doubleValue();
                sq += n * n;
            }
            for (String p : List.of("_W", "_b")) {
                expected.get(layer + p).divi(Math.sqrt(sq));
            }
        }
        try (GradClip clip = open(backend);
             GradclipNormalization n = new GradclipNormalization(clip,
                     GradclipNormalization.Mode.fromDl4jName("RenormalizeL2PerLayer"), t)) {
            assertTrue(n.apply(g));
            assertClose(expected, g, 1e-14);
        }

        // RenormalizeL2PerParamType: each array /= its own L2
        g = grads(DataType.DOUBLE, 7);
        expected = dup(g);
        for (INDArray a : expected.values()) {
            a.divi(a.norm2Number().doubleValue());
        }
        try (GradClip clip = open(backend);
             GradclipNormalization n = new GradclipNormalization(clip,
                     GradclipNormalization.Mode.RENORMALIZE_L2_PER_PARAM_TYPE, t)) {
            n.apply(g);
            assertClose(expected, g, 1e-14);
            for (INDArray a : g.values()) {
                assertEquals(1.0, a.norm2Number().doubleValue(), 1e-12);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> GradclipNormalization.Mode.fromDl4jName("None"));
    }

    @Test
    void reRegistersWhenBuffersChange() {
        try (GradClip clip = GradClip.open(Backend.JAVA);
             GradclipNormalization n = new GradclipNormalization(clip, GradclipNormalization.Mode.CLIP_L2_PER_PARAM_TYPE, 0.5)) {
            Map<String, INDArray> a = grads(DataType.FLOAT, 1);
            n.apply(a);
            Map<String, INDArray> b = grads(DataType.FLOAT, 2);                 // new buffers, same keys
            n.apply(b);
            for (INDArray x : b.values()) {
                assertTrue(x.norm2Number().doubleValue() <= 0.5 + 1e-6);
            }
        }
    }
}
