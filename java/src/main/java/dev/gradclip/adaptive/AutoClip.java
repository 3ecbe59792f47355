package dev.gradclip.adaptive;

import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.CoefficientRule;
import dev.gradclip.GradientSet;
import dev.gradclip.NonFinitePolicy;
import dev.gradclip.internal.Checks;

/**
 * AutoClip (Seetharaman et al., 2020): the threshold is a percentile of the gradient norms seen so far.
 *
 * <p>Each step computes {@code n = ‖g‖₂}, adds it to the history, takes as threshold the
 * {@code percentile}-th percentile of the history (nearest rank, see {@link ClipMonitor#summary()}),
 * and clips the set by that threshold as {@link GradientSet#clipWithNorm} would. The history is the
 * last {@code window} finite norms, in a ring buffer allocated at construction: pass a window at least
 * as long as training for the paper's "all steps so far". The percentile is found by selection in a
 * preallocated scratch copy: O(window) per step, no allocation. Not thread-safe.
 */
public final class AutoClip {
    private final double percentile;
    private final CoefficientRule rule;
    private final NonFinitePolicy nonFinite;
    private final double[] history;
    private final double[] scratch;
    private final ClipStep step = new ClipStep();
    private int next;
    private int count;

    /**
     * Creates an AutoClip with PyTorch's rule and non-finite handling ({@link CoefficientRule#TORCH},
     * {@link NonFinitePolicy#PROPAGATE}), as the paper's {@code clip_grad_norm_} call.
     *
     * @throws IllegalArgumentException as {@link #AutoClip(double, int, CoefficientRule, NonFinitePolicy)}
     */
    public AutoClip(double percentile, int window) {
        this(percentile, window, CoefficientRule.TORCH, NonFinitePolicy.PROPAGATE);
    }

    /**
     * Creates an AutoClip.
     *
     * @param percentile which percentile of the history is the threshold, in {@code [0, 100]} (the paper: 10)
     * @param window how many of the latest norms the history keeps, {@code >= 1}
     * @param rule how the coefficient follows from the norm and the threshold
     * @param nonFinite what a step with a NaN or infinite norm does; such norms never enter the history
     * @throws IllegalArgumentException if an argument is out of range or null
     */
    public AutoClip(double percentile, int window, CoefficientRule rule, NonFinitePolicy nonFinite) {
        Checks.requireArgument(percentile >= 0 && percentile <= 100,
                "percentile must be in [0, 100], got " + percentile);
        Checks.requireArgument(window >= 1, "window must be >= 1, got " + window);
        this.percentile = percentile;
        this.rule = Checks.requireNonNull("rule", rule);
        this.nonFinite = Checks.requireNonNull("nonFinite", nonFinite);
        this.history = new double[window];
        this.scratch = new double[window];
    }

    /**
     * Clips {@code set} by the percentile of its norm history, this step's norm included.
     *
     * <p>A NaN or infinite norm is not recorded; the threshold is that of the history so far (the
     * largest double when it is empty) and the set is handled by the non-finite policy as
     * {@link GradientSet#clipWithNorm} does: ERROR throws, SKIP writes nothing, PROPAGATE applies
     * the coefficient (0 for an infinite norm, NaN for a NaN one).
     *
     * @return this clipper's step result, updated in place
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
            double threshold = count == 0 ? Double.MAX_VALUE : threshold();
            ClipResult r = set.clipWithNorm(n, new ClipPolicy.GlobalNorm(threshold, ClipPolicy.L2, rule, nonFinite));
            step.set(n, threshold, r.coefficient(), 1.0, r.clipped(), true);
            return step;
        }
        history[next] = n;
        next = next + 1 == history.length ? 0 : next + 1;
        if (count < history.length) {
            count++;
        }
        double threshold = threshold();
        double coef = rule.coefficient(n, threshold);
        // Exactly clipWithNorm for a finite norm, without building a policy for each new threshold.
        boolean clipped = coef < 1.0;
        if (clipped) {
            set.scale(coef);
        }
        step.set(n, threshold, clipped ? coef : 1.0, 1.0, clipped, false);
        return step;
    }

    /** {@return the current threshold: the percentile of the history; NaN when it is empty} */
    public double threshold() {
        if (count == 0) {
            return Double.NaN;
        }
        System.arraycopy(history, 0, scratch, 0, count);
        return Ranks.select(scratch, count, Ranks.nearestRank(percentile, count) - 1);
    }

    /** {@return the number of norms in the history} */
    public int historySize() {
        return count;
    }

    /** {@return the history, oldest first, with the configuration, e.g. to put in a checkpoint} */
    public State state() {
        double[] h = new double[count];
        int start = count < history.length ? 0 : next;
        for (int i = 0; i < count; i++) {
            int j = start + i;
            h[i] = history[j < history.length ? j : j - history.length];
        }
        return new State(percentile, history.length, h);
    }

    /**
     * Continues from a saved state; the percentile and window stay this clipper's. A history longer
     * than the window keeps its latest norms.
     *
     * @throws IllegalArgumentException if {@code state} is null or a norm in it is not finite and {@code >= 0}
     */
    public void restore(State state) {
        Checks.requireNonNull("state", state);
        double[] h = Checks.requireNonNull("state history", state.history());
        for (double v : h) {
            Checks.requireArgument(v >= 0 && Double.isFinite(v), "state history norms must be finite and >= 0, got " + v);
        }
        int keep = Math.min(h.length, history.length);
        System.arraycopy(h, h.length - keep, history, 0, keep);
        count = keep;
        next = keep == history.length ? 0 : keep;
    }

    /**
     * An AutoClip's state.
     *
     * @param percentile the percentile it was configured with
     * @param window the window it was configured with
     * @param history the finite norms seen, oldest first (at most {@code window})
     */
    public record State(double percentile, int window, double[] history) {}
}
