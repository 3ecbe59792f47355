package dev.gradclip.adaptive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.Backend;
import dev.gradclip.CoefficientRule;
import dev.gradclip.NonFiniteGradientException;
import dev.gradclip.NonFinitePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AutoClipTest {
    @ParameterizedTest
    @MethodSource("dev.gradclip.adaptive.Grads#backends")
    void medianOfAWindowOfFour(Backend backend) {
        AutoClip auto = new AutoClip(50, 4, CoefficientRule.EXACT, NonFinitePolicy.SKIP);
        try (Grads g = new Grads(backend, new double[] {3, 4})) {
            // Step 1: history {5}: threshold 5, n = 5 is not above it.
            ClipStep s = auto.clip(g.set);
            assertEquals(5.0, s.totalNorm());
            assertEquals(5.0, s.threshold());
            assertFalse(s.clipped());
            assertArrayEquals(new double[] {3, 4}, g.get(0));

            // Step 2: n = 10, history {5, 10}: rank ceil(1) = 1 -> 5, coef 1/2.
            g.fill(0, 6, 8);
            s = auto.clip(g.set);
            assertEquals(5.0, s.threshold());
            assertEquals(0.5, s.coefficient());
            assertTrue(s.clipped());
            assertArrayEquals(new double[] {3, 4}, g.get(0));

            // Step 3: n = 1, history {1, 5, 10}: rank 2 -> 5, no clip.
            g.fill(0, 0, 1);
            assertFalse(auto.clip(g.set).clipped());

            // Step 4: n = 20, history {1, 5, 10, 20}: rank 2 -> 5, coef 1/4.
            g.fill(0, 0, 20);
            s = auto.clip(g.set);
            assertEquals(0.25, s.coefficient());
            assertArrayEquals(new double[] {0, 5}, g.get(0));

            // Step 5: n = 2 pushes out the 5: history {10, 1, 20, 2}: rank 2 -> 2.
            g.fill(0, 0, 2);
            s = auto.clip(g.set);
            assertEquals(2.0, s.threshold());
            assertFalse(s.clipped());

            // Step 6: an infinity under SKIP: nothing written, not recorded.
            g.fill(0, Double.POSITIVE_INFINITY, 1);
            s = auto.clip(g.set);
            assertTrue(s.nonFinite());
            assertFalse(s.clipped());
            assertEquals(2.0, s.threshold());
            assertArrayEquals(new double[] {Double.POSITIVE_INFINITY, 1}, g.get(0));
            assertEquals(4, auto.historySize());
            assertArrayEquals(new double[] {10, 1, 20, 2}, auto.state().history());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.gradclip.adaptive.Grads#backends")
    void tenthPercentileWithTorchRuleOverTwoTensors(Backend backend) {
        AutoClip auto = new AutoClip(10, 100);
        try (Grads g = new Grads(backend, new double[] {0}, new double[] {0})) {
            for (int k = 10; k >= 2; k--) { // norms 10, 9, ..., 2: all at or above the running 10th percentile
                g.fill(0, 0);
                g.fill(1, k);
                auto.clip(g.set);
            }
            // History 2..10 plus this step's 1 (3, 4 -> norm 5): ten norms, rank ceil(1) = 1.
            g.fill(0, 0.6);
            g.fill(1, 0.8);
            ClipStep s = auto.clip(g.set);
            assertEquals(1.0, s.threshold());
            double coef = 1.0 / (1.0 + 1e-6);
            assertEquals(coef, s.coefficient());
            assertArrayEquals(new double[] {0.6 * coef}, g.get(0), 1e-15);
            assertArrayEquals(new double[] {0.8 * coef}, g.get(1), 1e-15);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.gradclip.adaptive.Grads#backends")
    void nonFiniteNormsFollowThePolicy(Backend backend) {
        try (Grads g = new Grads(backend, new double[] {Double.POSITIVE_INFINITY, 1})) {
            // PROPAGATE, as clip_grad_norm_: coef = c / inf = 0, so inf * 0 = NaN and 1 * 0 = 0.
            ClipStep s = new AutoClip(10, 8).clip(g.set);
            assertTrue(s.nonFinite());
            assertEquals(0.0, s.coefficient());
            double[] v = g.get(0);
            assertTrue(Double.isNaN(v[0]));
            assertEquals(0.0, v[1]);

            g.fill(0, Double.NaN, 1);
            AutoClip strict = new AutoClip(10, 8, CoefficientRule.TORCH, NonFinitePolicy.ERROR);
            assertThrows(NonFiniteGradientException.class, () -> strict.clip(g.set));
            assertEquals(1.0, g.get(0)[1]);
            assertEquals(0, strict.historySize());
        }
    }

    @Test
    void stateRoundTripsAndTruncatesToTheWindow() {
        AutoClip a = new AutoClip(50, 4);
        a.restore(new AutoClip.State(50, 4, new double[] {10, 1, 20, 2}));
        assertEquals(2.0, a.threshold());
        AutoClip b = new AutoClip(50, 2);
        b.restore(a.state());
        assertArrayEquals(new double[] {20, 2}, b.state().history());
        assertEquals(2.0, b.threshold()); // {20, 2}: rank 1
        try (Grads g = new Grads(Backend.JAVA, new double[] {0, 30})) {
            ClipStep s = b.clip(g.set); // {2, 30}: rank 1 -> 2
            assertEquals(2.0, s.threshold());
        }
        assertArrayEquals(new double[] {2, 30}, b.state().history());
        assertTrue(Double.isNaN(new AutoClip(10, 3).threshold()));
        assertThrows(IllegalArgumentException.class, () -> a.restore(new AutoClip.State(50, 4, new double[] {-1})));
        assertThrows(IllegalArgumentException.class, () -> a.restore(new AutoClip.State(50, 4, new double[] {Double.NaN})));
        assertThrows(IllegalArgumentException.class, () -> a.restore(null));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new AutoClip(-1, 4));
        assertThrows(IllegalArgumentException.class, () -> new AutoClip(101, 4));
        assertThrows(IllegalArgumentException.class, () -> new AutoClip(Double.NaN, 4));
        assertThrows(IllegalArgumentException.class, () -> new AutoClip(10, 0));
        assertThrows(IllegalArgumentException.class, () -> new AutoClip(10, 4, null, NonFinitePolicy.SKIP));
        assertThrows(IllegalArgumentException.class, () -> new AutoClip(10, 4, CoefficientRule.EXACT, null));
        assertThrows(IllegalArgumentException.class, () -> new AutoClip(10, 4).clip(null));
    }
}
