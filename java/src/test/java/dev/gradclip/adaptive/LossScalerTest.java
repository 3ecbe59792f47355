package dev.gradclip.adaptive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.Backend;
import dev.gradclip.ClipPolicy;
import dev.gradclip.CoefficientRule;
import dev.gradclip.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LossScalerTest {
    private static final ClipPolicy.GlobalNorm EXACT_1 = ClipPolicy.globalNorm(1.0).withRule(CoefficientRule.EXACT);

    @ParameterizedTest
    @MethodSource("dev.gradclip.adaptive.Grads#backends")
    void unscalesClipsGrowsAndBacksOff(Backend backend) {
        LossScaler scaler = new LossScaler(4.0, 2.0, 0.5, 3);
        assertEquals(10.0, scaler.scaleLoss(2.5));
        // Step 1: g = (3, 4), ‖g‖ = 5, stored as S·g = (12, 16); coef 1/5, factor (1/5)/4.
        try (Grads g = new Grads(backend, new double[] {12, 16})) {
            ClipStep s = scaler.unscaleAndClip(g.set, EXACT_1);
            assertEquals(5.0, s.totalNorm());
            assertEquals(0.2, s.coefficient());
            assertEquals(4.0, s.scale());
            assertTrue(s.clipped());
            assertFalse(s.nonFinite());
            assertArrayEquals(new double[] {0.6, 0.8}, g.get(0), 1e-15);
            assertEquals(1, scaler.growthTracker());

            // Step 2: ‖g‖ = 0.5 < 1: not clipped, but still unscaled (exactly: S is a power of two).
            g.fill(0, 4 * 0.3, 4 * 0.4);
            s = scaler.unscaleAndClip(g.set, EXACT_1);
            assertEquals(0.5, s.totalNorm(), 1e-16);
            assertEquals(1.0, s.coefficient());
            assertFalse(s.clipped());
            assertArrayEquals(new double[] {0.3, 0.4}, g.get(0));

            // Step 3: the third finite step in a row doubles S (after unscaling with the old one).
            g.fill(0, 4 * 0.3, 4 * 0.4);
            s = scaler.unscaleAndClip(g.set, EXACT_1);
            assertEquals(4.0, s.scale());
            assertArrayEquals(new double[] {0.3, 0.4}, g.get(0));
            assertEquals(8.0, scaler.scale());
            assertEquals(0, scaler.growthTracker());

            // Step 4: an infinity: nothing written, S halved, tracker reset.
            g.fill(0, 8 * 0.3, 8 * 0.4);
            scaler.unscaleAndClip(g.set, EXACT_1);
            g.fill(0, Double.POSITIVE_INFINITY, 7.0);
            s = scaler.unscaleAndClip(g.set, EXACT_1);
            assertTrue(s.nonFinite());
            assertFalse(s.clipped());
            assertEquals(8.0, s.scale());
            assertArrayEquals(new double[] {Double.POSITIVE_INFINITY, 7.0}, g.get(0));
            assertEquals(4.0, scaler.scale());
            assertEquals(0, scaler.growthTracker());

            // Step 5: a NaN is skipped the same way.
            g.fill(0, Double.NaN, 1.0);
            assertTrue(scaler.unscaleAndClip(g.set, EXACT_1).nonFinite());
            assertEquals(2.0, scaler.scale());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.gradclip.adaptive.Grads#backends")
    void torchRuleAndOtherNormsOverSeveralTensors(Backend backend) {
        LossScaler scaler = new LossScaler();
        double s = LossScaler.DEFAULT_INIT_SCALE;
        // g = (1, -2) and (2): ‖g‖₁ = 5, ‖g‖∞ = 2.
        try (Grads g = new Grads(backend, new double[] {s, -2 * s}, new double[] {2 * s})) {
            ClipStep step = scaler.unscaleAndClip(g.set, ClipPolicy.globalNorm(2.5).withNormType(1));
            double coef = 2.5 / (5 + 1e-6); // TORCH rule
            assertEquals(5.0, step.totalNorm());
            assertEquals(coef, step.coefficient());
            assertArrayEquals(new double[] {coef, -2 * coef}, g.get(0), 1e-15);
            assertArrayEquals(new double[] {2 * coef}, g.get(1), 1e-15);

            g.fill(0, s, -2 * s);
            g.fill(1, 2 * s);
            step = scaler.unscaleAndClip(g.set, ClipPolicy.globalNorm(10).withNormType(ClipPolicy.INF));
            assertEquals(2.0, step.totalNorm());
            assertFalse(step.clipped());
            assertArrayEquals(new double[] {1, -2}, g.get(0));
            assertArrayEquals(new double[] {2}, g.get(1));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.gradclip.adaptive.Grads#backends")
    void fp32GradientsAreUnscaled(Backend backend) {
        LossScaler scaler = new LossScaler(1024, 2, 0.5, 100);
        try (Grads g = new Grads(backend, DType.F32, new double[] {1024 * 0.75, -1024 * 0.5})) {
            ClipStep s = scaler.unscaleAndClip(g.set, ClipPolicy.globalNorm(100));
            assertEquals(Math.sqrt(0.75 * 0.75 + 0.25), s.totalNorm(), 1e-15);
            assertArrayEquals(new double[] {0.75, -0.5}, g.get(0));
        }
    }

    @Test
    void growthNeverOverflowsTheScale() {
        LossScaler scaler = new LossScaler(Double.MAX_VALUE, 2, 0.5, 1);
        try (Grads g = new Grads(Backend.JAVA, new double[] {0.0})) {
            scaler.unscaleAndClip(g.set, EXACT_1);
            assertEquals(Double.MAX_VALUE, scaler.scale());
            assertEquals(0, scaler.growthTracker());
        }
    }

    @Test
    void stateRoundTrips() {
        LossScaler a = new LossScaler(8, 2, 0.5, 10);
        try (Grads g = new Grads(Backend.JAVA, new double[] {1.0})) {
            a.unscaleAndClip(g.set, EXACT_1);
            a.unscaleAndClip(g.set, EXACT_1);
        }
        LossScaler.State saved = a.state();
        assertEquals(new LossScaler.State(8, 2), saved);
        LossScaler b = new LossScaler(8, 2, 0.5, 10);
        b.restore(saved);
        assertEquals(8.0, b.scale());
        assertEquals(2, b.growthTracker());
        assertThrows(IllegalArgumentException.class, () -> b.restore(new LossScaler.State(0, 0)));
        assertThrows(IllegalArgumentException.class, () -> b.restore(new LossScaler.State(1, 10)));
        assertThrows(IllegalArgumentException.class, () -> b.restore(null));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(0, 2, 0.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(Double.POSITIVE_INFINITY, 2, 0.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(1, 1, 0.5, 1));
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(1, 2, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(1, 2, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(1, 2, 0.5, 0));
        LossScaler scaler = new LossScaler();
        assertThrows(IllegalArgumentException.class, () -> scaler.unscaleAndClip(null, EXACT_1));
        try (Grads g = new Grads(Backend.JAVA, new double[] {1.0})) {
            assertThrows(IllegalArgumentException.class, () -> scaler.unscaleAndClip(g.set, null));
        }
    }
}
