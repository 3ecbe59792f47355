package dev.gradclip.internal;

/**
 * The arguments of one operation (the fields of {@code gc_op}), one mutable instance per set, filled
 * before each run so that a step allocates nothing. Fields a mode does not use are left at 0.
 */
public final class OpArgs {
    public int mode;
    public int nonFinite;
    public int rule;
    public double normType;
    public double threshold;
    /** AGC: floor of a unit's parameter norm. */
    public double eps;
    /** Per-sample modes: σ; the noise's standard deviation is σ · threshold. */
    public double noiseMultiplier;
    /** Per-sample modes: the noisy sum is divided by it. */
    public double divisor;
    /** Per-sample modes: key of the counter-based noise. */
    public long seed;

    /** Sets the fields every mode has and clears the others; returns this. */
    public OpArgs set(int mode, int nonFinite, int rule, double normType, double threshold) {
        this.mode = mode;
        this.nonFinite = nonFinite;
        this.rule = rule;
        this.normType = normType;
        this.threshold = threshold;
        this.eps = 0.0;
        this.noiseMultiplier = 0.0;
        this.divisor = 0.0;
        this.seed = 0L;
        return this;
    }
}
