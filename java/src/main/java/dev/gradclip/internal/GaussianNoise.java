package dev.gradclip.internal;

/**
 * The counter-based standard normal generator of the per-sample modes (docs/SEMANTICS.md, "Noise"): every
 * value is a pure function of (seed, tensor, element), so any backend, thread or block can compute any
 * element's noise without shared state, and a step is reproducible from its seed.
 */
public final class GaussianNoise {
    private GaussianNoise() {}

    private static final double TWO_POW_53_INV = 1.0 / 9007199254740992.0;
    private static final double TWO_PI = 6.283185307179586;

    /** SplitMix64's finalizer. */
    public static long mix(long x) {
        x += 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }

    /** {@return the key of output tensor {@code tensor}'s stream for {@code seed}} */
    public static long key(long seed, long tensor) {
        return mix(seed ^ mix(tensor));
    }

    /** {@return element {@code j} of the stream with key {@code key}: Box-Muller on two 53-bit uniforms} */
    public static double normal(long key, long j) {
        double u1 = ((mix(key + 2 * j) >>> 11) + 1) * TWO_POW_53_INV;
        double u2 = (mix(key + 2 * j + 1) >>> 11) * TWO_POW_53_INV;
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(TWO_PI * u2);
    }
}
