package dev.gradclip.bench;

import dev.gradclip.DType;
import dev.gradclip.adaptive.AutoClip;
import dev.gradclip.adaptive.LossScaler;
import dev.gradclip.adaptive.ZClip;

/**
 * How the adaptive modes set up gradclip's stateful clippers so that every run clips.
 *
 * <p>A clip writes the set in place, so run k sees the norm run k-1 clipped to. A clipper left to itself
 * would stop clipping after one step: AutoClip's percentile cannot fall below a norm it has just clipped
 * to, and ZClip's statistics follow the clipped norm up. So before each run (untimed) the clipper is
 * given a state whose threshold is run k's threshold of global-clip, {@code R * 0.9 * 0.99^k}
 * ({@link ThresholdSchedule}), just below the norm it will see:
 * <ul>
 * <li>AutoClip (percentile 10, window 1000): a history of 999 norms spread around t, in no order,
 *     99 of them below t, one equal to t and 899 above; with the run's own norm (above t) the window
 *     is full and its 10th percentile (nearest rank 100 of 1000) is t. Each run thus selects over a
 *     full window, the per-step cost the paper's setting has;
 * <li>ZClip (α 0.97, 25 warm-up steps, z 2.5): past warm-up, μ = 0.75t and σ = 0.1t, so
 *     {@code μ + 2.5σ = t}: the run's norm, about t / 0.99, is a spike (z ≈ 2.6), clipped to t;
 * <li>LossScaler: the scale {@link #lossScale} with a growth tracker of 0 (it would double the scale after
 *     2000 steps); amp refills the gradients with the scaled values before each run instead
 *     ({@link Mode#refillsEachRun}), and its threshold is 0.9 R on every run.
 * </ul>
 */
public final class AdaptiveClippers {
    private AdaptiveClippers() {}

    /** AutoClip's percentile: the paper's. */
    public static final double AUTOCLIP_PERCENTILE = 10;
    /** AutoClip's window: the last 1000 norms. */
    public static final int AUTOCLIP_WINDOW = 1000;
    /** ZClip's μ as a fraction of the threshold. */
    static final double ZCLIP_MEAN = 0.75;
    /** ZClip's σ as a fraction of the threshold: μ + 2.5σ = 1. */
    static final double ZCLIP_SIGMA = (1 - ZCLIP_MEAN) / ZClip.DEFAULT_Z_THRESHOLD;
    /** ZClip's steps seen in the primed state: well past the 25 of warm-up. */
    static final long ZCLIP_STEPS = 1000;

    /** The history's norms as multiples of the threshold, in the order they are restored. */
    private static final double[] HISTORY = autoClipFractions(AUTOCLIP_PERCENTILE, AUTOCLIP_WINDOW);

    /**
     * {@return the loss scale of amp's gradients in {@code dtype}} GradScaler's initial 2^16 (65536), but
     * 2^15 for f16, whose largest finite value is 65504: the data is in [-1, 1), so the scaled values
     * stay finite. A power of two, the scaling and the unscaling are exact.
     */
    public static double lossScale(DType dtype) {
        return dtype == DType.F16 ? 0x1p15 : LossScaler.DEFAULT_INIT_SCALE;
    }

    /** Untimed selections that get AutoClip's percentile JIT-compiled before the first run. */
    static final int AUTOCLIP_JIT_WARMUP = 1000;

    /** {@return an AutoClip as the autoclip mode runs it} */
    static AutoClip newAutoClip() {
        return new AutoClip(AUTOCLIP_PERCENTILE, AUTOCLIP_WINDOW);
    }

    /**
     * Gets AutoClip's per-step Java code (the copy of the window and the selection in it) compiled, as
     * it is after a training loop's first steps: interpreted, a selection over 1000 norms took 65 µs on
     * the 2-core EPYC, compiled 1 µs. A case's few runs would otherwise time the interpreter. The state
     * is left primed for {@code threshold}; a run restores its own anyway.
     */
    static void warmUp(AutoClip clip, double threshold) {
        clip.restore(autoClipState(threshold));
        double sink = 0;
        for (int i = 0; i < AUTOCLIP_JIT_WARMUP; i++) {
            sink += clip.threshold();
        }
        if (sink != AUTOCLIP_JIT_WARMUP * threshold) {
            throw new AssertionError("primed AutoClip threshold " + sink / AUTOCLIP_JIT_WARMUP + ", expected " + threshold);
        }
    }

    /** {@return the AutoClip state whose 10th percentile, once a norm above {@code threshold} joins it, is {@code threshold}} */
    static AutoClip.State autoClipState(double threshold) {
        double[] h = new double[HISTORY.length];
        for (int i = 0; i < h.length; i++) {
            h[i] = HISTORY[i] * threshold;
        }
        return new AutoClip.State(AUTOCLIP_PERCENTILE, AUTOCLIP_WINDOW, h);
    }

    /** {@return the ZClip state, past warm-up, whose threshold μ + 2.5σ is {@code threshold}} */
    static ZClip.State zclipState(double threshold) {
        double sigma = ZCLIP_SIGMA * threshold;
        return new ZClip.State(ZCLIP_STEPS, ZCLIP_MEAN * threshold, sigma * sigma, new double[0]);
    }

    /** {@return a loss scaler at amp's scale for {@code dtype}, GradScaler's other defaults} */
    static LossScaler newLossScaler(DType dtype) {
        return new LossScaler(lossScale(dtype), LossScaler.DEFAULT_GROWTH_FACTOR, LossScaler.DEFAULT_BACKOFF_FACTOR,
                LossScaler.DEFAULT_GROWTH_INTERVAL);
    }

    /** {@return the loss scaler's state before each run: amp's scale, no growth pending} */
    static LossScaler.State lossScalerState(DType dtype) {
        return new LossScaler.State(lossScale(dtype), 0);
    }

    /**
     * {@return window - 1 multiples of the threshold: rank - 1 of them below 1, then 1, the rest above 1,
     * interleaved by a fixed permutation} rank is the nearest rank of the percentile among
     * {@code window} values, as AutoClip computes it.
     */
    static double[] autoClipFractions(double percentile, int window) {
        int n = window - 1;
        int rank = Math.max(1, Math.min(window, (int) Math.ceil(percentile / 100.0 * window)));
        int below = rank - 1;
        double[] sorted = new double[n];
        for (int i = 0; i < below; i++) {
            sorted[i] = 0.8 + 0.19 * i / Math.max(1, below); // [0.80, 0.99)
        }
        sorted[below] = 1.0;
        int above = n - below - 1;
        for (int i = 0; i < above; i++) {
            sorted[below + 1 + i] = 1.01 + 0.29 * i / Math.max(1, above); // [1.01, 1.30)
        }
        // A multiplier prime to n visits every index once: the history is in no order, as a real one.
        int step = 389;
        while (gcd(step, n) != 1) {
            step++;
        }
        double[] shuffled = new double[n];
        for (int i = 0; i < n; i++) {
            shuffled[(int) ((long) i * step % n)] = sorted[i];
        }
        return shuffled;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
