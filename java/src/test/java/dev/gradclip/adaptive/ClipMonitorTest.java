package dev.gradclip.adaptive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.Backend;
import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.NonFinitePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ClipMonitorTest {
    @Test
    void nearestRankPercentilesOverOneToHundred() {
        ClipMonitor m = new ClipMonitor(100);
        // Recorded in a scrambled order: selection must not depend on the order of arrival.
        for (int i = 0; i < 100; i++) {
            int v = (i * 37) % 100 + 1; // 37 is coprime with 100: a permutation of 1..100
            m.record(v, 1.0, false, false);
        }
        ClipMonitor.Summary s = m.summary();
        assertEquals(100, s.steps());
        assertEquals(100, s.windowSteps());
        assertEquals(50.0, s.p50()); // rank ceil(0.5*100) = 50
        assertEquals(90.0, s.p90());
        assertEquals(99.0, s.p99());
        assertEquals(100.0, s.max());
        assertEquals(0.0, s.clipRate());
    }

    @Test
    void smallWindowRanksRoundUp() {
        ClipMonitor m = new ClipMonitor(8);
        double[] norms = {4, 1, 3, 2, 5};
        for (double n : norms) {
            m.record(n, 1.0, false, false);
        }
        ClipMonitor.Summary s = m.summary();
        assertEquals(3.0, s.p50()); // ceil(2.5) = 3rd of 1..5
        assertEquals(5.0, s.p90()); // ceil(4.5) = 5th
        assertEquals(5.0, s.p99());
        assertEquals(5.0, s.max());
    }

    @Test
    void windowKeepsOnlyTheLastCapacitySteps() {
        ClipMonitor m = new ClipMonitor(4);
        // 6 steps: norms 10, 20, 30, 1, 2, 3; steps 1 and 3 clip, step 5 is non-finite.
        m.record(10, 0.5, true, false);
        m.record(20, 1.0, false, false);
        m.record(30, 0.2, true, false);
        m.record(1, 1.0, false, false);
        m.record(Double.NaN, Double.NaN, false, true);
        m.record(3, 1.0, false, false);
        ClipMonitor.Summary s = m.summary();
        assertEquals(6, s.steps());
        assertEquals(4, s.windowSteps());
        // Window: 30 (clipped), 1, NaN (skipped), 3.
        assertEquals(0.25, s.clipRate());
        assertEquals(0.25, s.skipRate());
        assertEquals(3.0, s.p50()); // finite norms 1, 3, 30: rank ceil(1.5) = 2
        assertEquals(30.0, s.max());
        assertEquals(3.0, m.norm(0));
        assertTrue(Double.isNaN(m.norm(1)));
        assertEquals(0.2, m.coefficient(3));
        assertThrows(IndexOutOfBoundsException.class, () -> m.norm(4));
    }

    @Test
    void emptyWindowGivesNaN() {
        ClipMonitor m = new ClipMonitor(3);
        ClipMonitor.Summary s = m.summary();
        assertEquals(0, s.windowSteps());
        assertTrue(Double.isNaN(s.clipRate()));
        assertTrue(Double.isNaN(s.p50()));
        m.record(2, 1, false, false);
        m.clear();
        assertEquals(0, m.summary().steps());
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new ClipMonitor(0));
        ClipMonitor m = new ClipMonitor(2);
        assertThrows(IllegalArgumentException.class, () -> m.record((ClipResult) null));
        assertThrows(IllegalArgumentException.class, () -> m.record((ClipStep) null));
    }

    @ParameterizedTest
    @MethodSource("dev.gradclip.adaptive.Grads#backends")
    void recordsRealClipResults(Backend backend) {
        try (Grads g = new Grads(backend, new double[] {3, 4})) { // norm 5
            ClipMonitor m = new ClipMonitor(4);
            m.record(g.set.clip(ClipPolicy.globalNorm(1.0).withRule(dev.gradclip.CoefficientRule.EXACT)));
            g.fill(0, 0.3, 0.4); // norm 0.5: no clip
            m.record(g.set.clip(ClipPolicy.globalNorm(1.0)));
            g.fill(0, Double.POSITIVE_INFINITY, 0);
            m.record(g.set.clip(ClipPolicy.globalNorm(1.0).withNonFinite(NonFinitePolicy.SKIP)));
            assertEquals(0.2, m.coefficient(2), 1e-15);
            assertEquals(5.0, m.norm(2), 1e-15);
            ClipMonitor.Summary s = m.summary();
            assertEquals(1.0 / 3, s.clipRate(), 1e-15);
            assertEquals(1.0 / 3, s.skipRate(), 1e-15);
            assertEquals(5.0, s.max(), 1e-15);
            assertEquals(0.5, s.p50(), 1e-15); // finite norms 0.5, 5: rank 1
        }
    }
}
