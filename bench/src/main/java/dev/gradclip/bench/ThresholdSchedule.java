package dev.gradclip.bench;

/**
 * The threshold of each run of a case, chosen so that every run does the work its mode names even
 * though the previous run already clipped the same data in place:
 * <ul>
 * <li>global-clip: {@code R * 0.9 * 0.99^k}, R the set's norm before the first run: run k sees a norm of
 *     about {@code R * 0.9 * 0.99^(k-1)}, so it always scales, by about 0.99. The first run's 10% margin
 *     lets a peer whose norm is off by up to 10% (PyTorch 1.13's fp32 norm of 268M elements is 2.6% low)
 *     still clip; from then on each run's threshold is 0.99 of what the previous run clipped to, as
 *     that implementation measures it;
 * <li>per-tensor: {@code m * 0.9 * 0.99^k}, m the smallest tensor norm: every tensor is scaled on every run;
 * <li>block-rms: {@code r * 0.9 * 0.99^k}, r the smallest tensor RMS: likewise;
 * <li>agc: {@code λ = q * 0.9 * 0.99^k}, q the smallest ratio over all units of the gradient norm to
 *     {@code max(parameter norm, eps)}: every unit is scaled on every run (the parameters never change,
 *     so each run's limit is 0.99 of the previous one);
 * <li>agc-noclip: {@code λ = 2Q}, Q the largest such ratio: no unit reaches its limit;
 * <li>per-sample, per-sample-noise: {@code C = 0.9 s}, s the smallest per-sample norm: every sample is
 *     clipped; the inputs are never written, so C stays the same from run to run;
 * <li>value: {@code 0.99 * 0.999^k}: the data is uniform in [-1, 1), so the first run clamps 1% of the
 *     elements and each later run those again plus 0.1% more: a value clip catching outliers, as in
 *     training (a kernel that writes only what changes may then pass the read+write floor);
 * <li>global-noclip: {@code 2R}, above the norm, which never changes since nothing is written;
 * <li>autoclip, zclip: global-clip's {@code R * 0.9 * 0.99^k}, which is not passed to the clipper but
 *     becomes its own threshold through the state primed before the run ({@link AdaptiveClippers});
 * <li>amp: {@code 0.9 R}, the same every run: every run starts from freshly filled (scaled) data, whose
 *     unscaled norm is R.
 * </ul>
 * The slow decays keep values far from the 16-bit dtypes' subnormals for hundreds of runs. The PyTorch
 * peer's script uses the same schedule.
 */
public final class ThresholdSchedule {
    private ThresholdSchedule() {}

    /** Per-run decay of the clipping thresholds. */
    public static final double DECAY = 0.99;
    /** The norm clips' first threshold, as a fraction of the norm. */
    public static final double FIRST_FRACTION = 0.9;
    /** The value clip's first threshold, for data uniform in [-1, 1). */
    public static final double FIRST_CLIP_VALUE = 0.99;
    /** Per-run decay of the value clip's threshold. */
    public static final double VALUE_DECAY = 0.999;

    /**
     * What the thresholds derive from, measured on the data before the first run; a figure a mode does
     * not need may be NaN.
     *
     * @param totalNorm the set's L2 norm
     * @param smallestTensorNorm the smallest tensor L2 norm
     * @param smallestTensorRms the smallest tensor RMS ({@code norm / √elements})
     * @param smallestUnitRatio AGC: the smallest over all units of {@code ‖g_u‖ / max(‖w_u‖, eps)}
     * @param largestUnitRatio AGC: the largest such ratio
     * @param smallestSampleNorm per-sample: the smallest sample norm over all tensors
     */
    public record Scales(double totalNorm, double smallestTensorNorm, double smallestTensorRms, double smallestUnitRatio,
            double largestUnitRatio, double smallestSampleNorm) {
        /** {@return scales of the original modes only: the others' figures NaN} */
        public static Scales ofNorms(double totalNorm, double smallestTensorNorm) {
            return new Scales(totalNorm, smallestTensorNorm, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
    }

    /** {@return the threshold of run {@code k} (0-based, warm-up runs counted)} */
    public static double threshold(Mode mode, int k, Scales s) {
        double decayed = FIRST_FRACTION * Math.pow(DECAY, k);
        return switch (mode) {
            case NORM -> 0.0;
            case GLOBAL_NOCLIP -> 2.0 * s.totalNorm();
            case GLOBAL_CLIP, AUTOCLIP, ZCLIP -> s.totalNorm() * decayed;
            case AMP -> s.totalNorm() * FIRST_FRACTION;
            case PER_TENSOR -> s.smallestTensorNorm() * decayed;
            case VALUE -> FIRST_CLIP_VALUE * Math.pow(VALUE_DECAY, k);
            case BLOCK_RMS -> s.smallestTensorRms() * decayed;
            case AGC -> s.smallestUnitRatio() * decayed;
            case AGC_NOCLIP -> 2.0 * s.largestUnitRatio();
            case PER_SAMPLE, PER_SAMPLE_NOISE -> s.smallestSampleNorm() * FIRST_FRACTION;
        };
    }
}
