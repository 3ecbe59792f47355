package dev.gradclip.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The noise generator of docs/SEMANTICS.md: SplitMix64's published outputs, and the normal's moments. */
class GaussianNoiseTest {
    @Test
    void mixIsSplitMix64() {
        // SplitMix64 seeded with 0 returns mix(0), mix(gamma), ...: its published first outputs.
        assertEquals(0xE220A8397B1DCDAFL, GaussianNoise.mix(0));
        assertEquals(0x6E789E6AA1B965F4L, GaussianNoise.mix(0x9E3779B97F4A7C15L));
    }

    @Test
    void normalHasMeanZeroVarianceOneAndGaussianTails() {
        long key = GaussianNoise.key(123, 4);
        int n = 1_000_000;
        double sum = 0;
        double squares = 0;
        double fourth = 0;
        int beyond3 = 0;
        for (int j = 0; j < n; j++) {
            double z = GaussianNoise.normal(key, j);
            assertTrue(Double.isFinite(z));
            sum += z;
            squares += z * z;
            fourth += z * z * z * z;
            beyond3 += Math.abs(z) > 3 ? 1 : 0;
        }
        assertEquals(0.0, sum / n, 0.005);
        assertEquals(1.0, squares / n, 0.005);
        assertEquals(3.0, fourth / n, 0.05, "kurtosis of a normal");
        assertEquals(2700, beyond3, 300, "P(|z| > 3) = 0.27 %");
    }
}
