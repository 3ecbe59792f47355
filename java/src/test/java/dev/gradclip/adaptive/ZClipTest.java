package dev.gradclip.adaptive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.Backend;
import dev.gradclip.NonFiniteGradientException;
import dev.gradclip.NonFinitePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ZClipTest {
    @ParameterizedTest
    @MethodSource("dev.gradclip.adaptive.Grads#backends")
    void warmUpThenClipASpikeToMeanPlusZSigma(Backend backend) {
        ZClip z = new ZClip(0.5, 2, 1.0, NonFinitePolicy.SKIP);
        try (Grads g = new Grads(backend, new double[] {0, 1})) {
            // Warm-up: norms 1 and 3, never clipped; then μ = 2, σ² = ((1-2)² + (3-2)²) / 2 = 1.
            ClipStep s = z.clip(g.set);
            assertFalse(s.clipped());
            assertTrue(Double.isNaN(s.threshold()));
            assertTrue(Double.isNaN(z.mean()));
            g.fill(0, 0, 3);
            z.clip(g.set);
            assertArrayEquals(new double[] {0, 3}, g.get(0));
            assertEquals(2.0, z.mean());
            assertEquals(1.0, z.variance());
            assertEquals(3.0, z.threshold());

            // n = 2: z = 0, no clip; μ = 2, σ² = 0.5·1 + 0.5·0 = 0.5.
            g.fill(0, 0, 2);
            s = z.clip(g.set);
            assertEquals(3.0, s.threshold());
            assertFalse(s.clipped());
            assertEquals(2.0, z.mean());
            assertEquals(0.5, z.variance());

            // n = 10: a spike, clipped to t = 2 + √0.5 exactly; the statistics see t, not 10:
            // μ = 0.5·2 + 0.5·t = 2 + √0.5/2, σ² = 0.5·0.5 + 0.5·(t − μ)² = 0.25 + 0.5·(√0.5/2)² = 0.3125.
            g.fill(0, 6, 8);
            double t = 2 + Math.sqrt(0.5);
            s = z.clip(g.set);
            assertEquals(10.0, s.totalNorm());
            assertEquals(t, s.threshold());
            assertTrue(s.clipped());
            assertEquals(t / 10, s.coefficient());
            double[] v = g.get(0);
            assertArrayEquals(new double[] {0.6 * t, 0.8 * t}, v, 1e-15);
            assertEquals(t, Math.hypot(v[0], v[1]), 1e-15);
            assertEquals(2 + Math.sqrt(0.5) / 2, z.mean(), 1e-15);
            assertEquals(0.3125, z.variance(), 1e-15);
            assertEquals(4, z.steps());

            // An infinity under SKIP: nothing written, statistics untouched.
            g.fill(0, Double.NEGATIVE_INFINITY, 1);
            s = z.clip(g.set);
            assertTrue(s.nonFinite());
            assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY, 1}, g.get(0));
            assertEquals(0.3125, z.variance(), 1e-15);
            assertEquals(4, z.steps());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.gradclip.adaptive.Grads#backends")
    void zeroSpreadNeverClips(Backend backend) {
        ZClip z = new ZClip(0.9, 3, 0.0, NonFinitePolicy.PROPAGATE);
        try (Grads g = new Grads(backend, new double[] {3, 4})) {
            for (int i = 0; i < 3; i++) {
                z.clip(g.set); // three norms of 5: σ = 0
            }
            assertEquals(0.0, z.variance());
            g.fill(0, 30, 40);
            assertFalse(z.clip(g.set).clipped());
            // μ = 0.9·5 + 0.1·50 = 9.5, σ² = 0.1·(50 − 9.5)² = 164.025.
            assertEquals(9.5, z.mean(), 1e-12);
            assertEquals(164.025, z.variance(), 1e-9);
            // Now σ > 0 and z threshold 0: any norm above μ is clipped to μ.
            ClipStep s = z.clip(g.set);
            assertTrue(s.clipped());
            assertEquals(9.5, s.threshold(), 1e-12);
            assertArrayEquals(new double[] {30 * 9.5 / 50, 40 * 9.5 / 50}, g.get(0), 1e-12);
        }
    }

    @Test
    void nonFiniteDuringWarmUpFollowsThePolicy() {
        try (Grads g = new Grads(Backend.JAVA, new double[] {Double.NaN, 1})) {
            ZClip strict = new ZClip(0.97, 25, 2.5, NonFinitePolicy.ERROR);
            assertThrows(NonFiniteGradientException.class, () -> strict.clip(g.set));
            assertEquals(0, strict.steps());
            ClipStep s = new ZClip().clip(g.set); // PROPAGATE: coef NaN is applied, as clip_grad_norm_
            assertTrue(s.nonFinite());
            assertTrue(Double.isNaN(g.get(0)[1]));
        }
    }

    @Test
    void stateRoundTripsDuringAndAfterWarmUp() {
        ZClip a = new ZClip(0.5, 2, 1.0, NonFinitePolicy.SKIP);
        try (Grads g = new Grads(Backend.JAVA, new double[] {0, 1})) {
            a.clip(g.set);
            ZClip.State during = a.state();
            assertEquals(1, during.steps());
            assertArrayEquals(new double[] {1}, during.warmupNorms());

            ZClip b = new ZClip(0.5, 2, 1.0, NonFinitePolicy.SKIP);
            b.restore(during);
            g.fill(0, 0, 3);
            b.clip(g.set); // completes b's warm-up with the restored 1: μ = 2, σ² = 1
            assertEquals(2.0, b.mean());
            assertEquals(1.0, b.variance());

            ZClip.State after = b.state();
            assertEquals(new ZClip.State(2, 2.0, 1.0, after.warmupNorms()), after);
            assertEquals(0, after.warmupNorms().length);
            ZClip c = new ZClip(0.5, 2, 1.0, NonFinitePolicy.SKIP);
            c.restore(after);
            assertEquals(3.0, c.threshold());
        }
        ZClip d = new ZClip(0.5, 2, 1.0, NonFinitePolicy.SKIP);
        assertThrows(IllegalArgumentException.class, () -> d.restore(new ZClip.State(1, Double.NaN, Double.NaN, new double[0])));
        assertThrows(IllegalArgumentException.class, () -> d.restore(new ZClip.State(5, Double.NaN, 1, new double[0])));
        assertThrows(IllegalArgumentException.class, () -> d.restore(new ZClip.State(5, 1, -1, new double[0])));
        assertThrows(IllegalArgumentException.class, () -> d.restore(new ZClip.State(-1, 1, 1, new double[0])));
        assertThrows(IllegalArgumentException.class, () -> d.restore(null));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new ZClip(1.0, 25, 2.5, NonFinitePolicy.SKIP));
        assertThrows(IllegalArgumentException.class, () -> new ZClip(-0.1, 25, 2.5, NonFinitePolicy.SKIP));
        assertThrows(IllegalArgumentException.class, () -> new ZClip(0.97, 0, 2.5, NonFinitePolicy.SKIP));
        assertThrows(IllegalArgumentException.class, () -> new ZClip(0.97, 25, -1, NonFinitePolicy.SKIP));
        assertThrows(IllegalArgumentException.class, () -> new ZClip(0.97, 25, Double.NaN, NonFinitePolicy.SKIP));
        assertThrows(IllegalArgumentException.class, () -> new ZClip(0.97, 25, 2.5, null));
        assertThrows(IllegalArgumentException.class, () -> new ZClip().clip(null));
    }
}
