package dev.gradclip.adaptive;

import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.CoefficientRule;
import dev.gradclip.GradientSet;
import dev.gradclip.NonFinitePolicy;
import dev.gradclip.internal.Checks;

/**
 * ZClip (Kumar et al., 2025): clips norm spikes found by a z-score against running statistics.
 *
 * <p>The first {@code warmupSteps} finite norms are only recorded; their mean and (population)
 * variance then start the statistics μ and σ². After that, each step computes {@code n = ‖g‖₂} and
 * {@code z = (n − μ) / σ}; when {@code z > zThreshold} the set is clipped so that its norm becomes
 * exactly {@code μ + zThreshold·σ} ({@link CoefficientRule#EXACT}). The statistics are then updated
 * from the norm <em>after</em> clipping, so a spike does not inflate them:
 * {@code μ ← α·μ + (1 − α)·n'} and then {@code σ² ← α·σ² + (1 − α)·(n' − μ)²} with the new μ, as
 * in the paper's equations. While σ is 0 (e.g. all warm-up norms equal) nothing is clipped: a spike
 * cannot be told from noise without a spread, and clipping to μ would freeze the statistics.
 * Not thread-safe.
 */
public final class ZClip {
    /** The paper's smoothing factor. */
    public static final double DEFAULT_ALPHA = 0.97;
    /** The paper's warm-up length. */
    public static final int DEFAULT_WARMUP_STEPS = 25;
    /** The paper's z-score threshold. */
    public static final double DEFAULT_Z_THRESHOLD = 2.5;

    private final double alpha;
    private final double zThreshold;
    private final NonFinitePolicy nonFinite;
    private final double[] warmup;
    private final ClipStep step = new ClipStep();
    private long steps;
    private double mean = Double.NaN;
    private double variance = Double.NaN;

    /** Creates a ZClip with the paper's defaults (α 0.97, 25 warm-up steps, z 2.5) and PROPAGATE. */
    public ZClip() {
        this(DEFAULT_ALPHA, DEFAULT_WARMUP_STEPS, DEFAULT_Z_THRESHOLD, NonFinitePolicy.PROPAGATE);
    }

    /**
     * Creates a ZClip.
     *
     * @param alpha EMA smoothing factor, in {@code [0, 1)}: the weight of the past
     * @param warmupSteps finite norms recorded before clipping starts, {@code >= 1}
     * @param zThreshold the z-score above which a norm is clipped, finite and {@code >= 0}
     * @param nonFinite what a step with a NaN or infinite norm does; such norms never enter the statistics
     * @throws IllegalArgumentException if an argument is out of range or null
     */
    public ZClip(double alpha, int warmupSteps, double zThreshold, NonFinitePolicy nonFinite) {
        Checks.requireArgument(alpha >= 0 && alpha < 1, "alpha must be in [0, 1), got " + alpha);
        Checks.requireArgument(warmupSteps >= 1, "warmupSteps must be >= 1, got " + warmupSteps);
        Checks.requireArgument(zThreshold >= 0 && Double.isFinite(zThreshold),
                "zThreshold must be finite and >= 0, got " + zThreshold);
        this.alpha = alpha;
        this.zThreshold = zThreshold;
        this.nonFinite = Checks.requireNonNull("nonFinite", nonFinite);
        this.warmup = new double[warmupSteps];
    }

    /**
     * Clips {@code set} if its norm is a spike, and updates the statistics.
     *
     * <p>A NaN or infinite norm is not recorded; the set is handled by the non-finite policy as
     * {@link GradientSet#clipWithNorm} does with the current threshold (the largest double during
     * warm-up): ERROR throws, SKIP writes nothing, PROPAGATE applies the coefficient (0 for an
     * infinite norm, NaN for a NaN one).
     *
     * @return this clipper's step result, updated in place; its threshold is NaN during warm-up
     * @throws IllegalArgumentException if {@code set} is null
     * @throws dev.gradclip.NonFiniteGradientException under ERROR on a non-finite norm; nothing was written
     * @throws IllegalStateException if the set is closed or used by another thread
     */
    public ClipStep clip(GradientSet set) {
        if (set == null) { // a plain check: Checks would build its message every step
            throw new IllegalArgumentException("set must not be null");
        }
        ClipResult norm = set.norm(ClipPolicy.L2);
        double n = norm.totalNorm();
        if (norm.nonFinite() || !Double.isFinite(n)) {
            // Rare: building a policy here costs an allocation only on a step that is already lost.
            double threshold = warmedUp() ? threshold() : Double.MAX_VALUE;
            ClipResult r = set.clipWithNorm(n,
                    new ClipPolicy.GlobalNorm(threshold, ClipPolicy.L2, CoefficientRule.EXACT, nonFinite));
            step.set(n, threshold, r.coefficient(), 1.0, r.clipped(), true);
            return step;
        }
        if (!warmedUp()) {
            warmup[(int) steps++] = n;
            if (steps == warmup.length) {
                startStatistics();
            }
            step.set(n, Double.NaN, 1.0, 1.0, false, false);
            return step;
        }
        steps++;
        double threshold = threshold();
        double kept = n;
        double coef = 1.0;
        if (variance > 0 && n > threshold) {
            coef = CoefficientRule.EXACT.coefficient(n, threshold);
            set.scale(coef);
            kept = threshold;
        }
        mean = alpha * mean + (1 - alpha) * kept;
        double d = kept - mean;
        variance = alpha * variance + (1 - alpha) * d * d;
        step.set(n, threshold, coef, 1.0, coef < 1.0, false);
        return step;
    }

    private void startStatistics() {
        double sum = 0;
        for (double v : warmup) {
            sum += v;
        }
        double m = sum / warmup.length;
        double squares = 0;
        for (double v : warmup) {
            squares += (v - m) * (v - m);
        }
        mean = m;
        variance = squares / warmup.length;
    }

    private boolean warmedUp() {
        return steps >= warmup.length;
    }

    /** {@return the norm above which the next step clips, {@code μ + zThreshold·σ}; NaN during warm-up} */
    public double threshold() {
        return mean + zThreshold * Math.sqrt(variance);
    }

    /** {@return the running mean μ of the norms; NaN during warm-up} */
    public double mean() {
        return mean;
    }

    /** {@return the running variance σ² of the norms; NaN during warm-up} */
    public double variance() {
        return variance;
    }

    /** {@return the number of finite norms seen (warm-up included)} */
    public long steps() {
        return steps;
    }

    /** {@return the statistics, e.g. to put in a checkpoint} */
    public State state() {
        double[] w = new double[warmedUp() ? 0 : (int) steps];
        System.arraycopy(warmup, 0, w, 0, w.length);
        return new State(steps, mean, variance, w);
    }

    /**
     * Continues from a saved state; α, the warm-up length and the z threshold stay this clipper's.
     *
     * @throws IllegalArgumentException if {@code state} is null; or still warming up for this clipper
     *     ({@code steps < warmupSteps}) but without exactly {@code steps} finite warm-up norms; or past
     *     warm-up without a finite mean and a finite, non-negative variance
     */
    public void restore(State state) {
        Checks.requireNonNull("state", state);
        Checks.requireArgument(state.steps() >= 0, "state steps must be >= 0, got " + state.steps());
        if (state.steps() < warmup.length) {
            double[] w = Checks.requireNonNull("state warmupNorms", state.warmupNorms());
            Checks.requireArgument(w.length == state.steps(),
                    "state warmupNorms must hold " + state.steps() + " norms, got " + w.length);
            for (double v : w) {
                Checks.requireArgument(v >= 0 && Double.isFinite(v), "state warmupNorms must be finite and >= 0, got " + v);
            }
            System.arraycopy(w, 0, warmup, 0, w.length);
            mean = Double.NaN;
            variance = Double.NaN;
        } else {
            Checks.requireArgument(Double.isFinite(state.mean()), "state mean must be finite, got " + state.mean());
            Checks.requireArgument(state.variance() >= 0 && Double.isFinite(state.variance()),
                    "state variance must be finite and >= 0, got " + state.variance());
            mean = state.mean();
            variance = state.variance();
        }
        steps = state.steps();
    }

    /**
     * A ZClip's state.
     *
     * @param steps finite norms seen, warm-up included
     * @param mean the running mean μ (NaN during warm-up)
     * @param variance the running variance σ² (NaN during warm-up)
     * @param warmupNorms the norms recorded so far during warm-up; empty after it
     */
    public record State(long steps, double mean, double variance, double[] warmupNorms) {}
}
