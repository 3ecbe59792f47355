package dev.gradclip.adaptive;

import dev.gradclip.ClipResult;
import dev.gradclip.internal.Checks;

/**
 * Per-step clip statistics over a window of the last {@code capacity} steps.
 *
 * <p>Each step's total norm, coefficient, whether it clipped and whether it was skipped for a
 * non-finite gradient go into preallocated primitive ring buffers: {@link #record} allocates nothing
 * and can run every training step; {@link #summary()} is for logging, every few hundred steps.
 * Not thread-safe.
 */
public final class ClipMonitor {
    private final double[] norms;
    private final double[] coefficients;
    private final boolean[] clipped;
    private final boolean[] skipped;
    private final double[] scratch;
    private int next;
    private int count;
    private long steps;

    /**
     * Creates a monitor that keeps the last {@code capacity} steps.
     *
     * @throws IllegalArgumentException if {@code capacity < 1}
     */
    public ClipMonitor(int capacity) {
        Checks.requireArgument(capacity >= 1, "capacity must be >= 1, got " + capacity);
        norms = new double[capacity];
        coefficients = new double[capacity];
        clipped = new boolean[capacity];
        skipped = new boolean[capacity];
        scratch = new double[capacity];
    }

    /**
     * Records the result of a clip: its total norm, coefficient, {@code clipped()}, and as "skipped"
     * its {@code nonFinite()} (a trainer skips the optimizer step on a non-finite gradient).
     *
     * @throws IllegalArgumentException if {@code result} is null
     */
    public void record(ClipResult result) {
        if (result == null) { // not Checks.requireNonNull: keeps the step free of any call that might allocate
            throw new IllegalArgumentException("result must not be null");
        }
        record(result.totalNorm(), result.coefficient(), result.clipped(), result.nonFinite());
    }

    /**
     * Records a step of a stateful clipper; "skipped" is its {@link ClipStep#nonFinite()}.
     *
     * @throws IllegalArgumentException if {@code step} is null
     */
    public void record(ClipStep step) {
        if (step == null) {
            throw new IllegalArgumentException("step must not be null");
        }
        record(step.totalNorm(), step.coefficient(), step.clipped(), step.nonFinite());
    }

    /** Records one step from its values (for results computed elsewhere). */
    public void record(double totalNorm, double coefficient, boolean wasClipped, boolean wasSkipped) {
        norms[next] = totalNorm;
        coefficients[next] = coefficient;
        clipped[next] = wasClipped;
        skipped[next] = wasSkipped;
        next = next + 1 == norms.length ? 0 : next + 1;
        if (count < norms.length) {
            count++;
        }
        steps++;
    }

    /** {@return the number of steps the window holds at most} */
    public int capacity() {
        return norms.length;
    }

    /** {@return the number of steps recorded since construction or {@link #clear()}} */
    public long steps() {
        return steps;
    }

    /**
     * {@return the total norm recorded {@code stepsAgo} steps ago (0: the latest)}
     *
     * @throws IndexOutOfBoundsException if the window does not hold that step
     */
    public double norm(int stepsAgo) {
        return norms[slot(stepsAgo)];
    }

    /**
     * {@return the coefficient recorded {@code stepsAgo} steps ago (0: the latest)}
     *
     * @throws IndexOutOfBoundsException if the window does not hold that step
     */
    public double coefficient(int stepsAgo) {
        return coefficients[slot(stepsAgo)];
    }

    private int slot(int stepsAgo) {
        if (stepsAgo < 0 || stepsAgo >= count) {
            throw new IndexOutOfBoundsException("step " + stepsAgo + " ago is not in the window of " + count);
        }
        int i = next - 1 - stepsAgo;
        return i < 0 ? i + norms.length : i;
    }

    /** Forgets every recorded step. */
    public void clear() {
        next = 0;
        count = 0;
        steps = 0;
    }

    /**
     * {@return statistics over the steps in the window}
     *
     * <p>Percentiles use the nearest-rank method over the window's finite norms: the p-th percentile
     * of N sorted values is the value of rank {@code ceil(p / 100 * N)} (1-based), always one of the
     * recorded norms. Norms that are NaN or infinite count in the skip rate but not in the percentiles
     * or the maximum; with no finite norm those are NaN. Rates are NaN on an empty window.
     */
    public Summary summary() {
        int clips = 0;
        int skips = 0;
        int finite = 0;
        double max = Double.NaN;
        for (int i = 0; i < count; i++) {
            if (clipped[i]) clips++;
            if (skipped[i]) skips++;
            double n = norms[i];
            if (Double.isFinite(n)) {
                scratch[finite++] = n;
                if (!(n <= max)) max = n;
            }
        }
        double clipRate = count == 0 ? Double.NaN : (double) clips / count;
        double skipRate = count == 0 ? Double.NaN : (double) skips / count;
        return new Summary(steps, count, clipRate, skipRate, percentile(50, finite), percentile(90, finite),
                percentile(99, finite), max);
    }

    private double percentile(double q, int finite) {
        return finite == 0 ? Double.NaN : Ranks.select(scratch, finite, Ranks.nearestRank(q, finite) - 1);
    }

    /**
     * Clip statistics over a monitor's window.
     *
     * @param steps steps recorded in all
     * @param windowSteps steps in the window (at most the capacity)
     * @param clipRate fraction of the window's steps that clipped
     * @param skipRate fraction of the window's steps skipped for a non-finite gradient
     * @param p50 nearest-rank median of the window's finite norms
     * @param p90 nearest-rank 90th percentile
     * @param p99 nearest-rank 99th percentile
     * @param max largest finite norm in the window
     */
    public record Summary(long steps, int windowSteps, double clipRate, double skipRate, double p50, double p90,
            double p99, double max) {}
}
