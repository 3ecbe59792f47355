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
 * <li>value: {@code 0.99 * 0.999^k}: the data is uniform in [-1, 1), so the first run clamps 1% of the
 *     elements and each later run those again plus 0.1% more: a value clip catching outliers, as in
 *     training (a kernel that writes only what changes may then pass the read+write floor);
 * <li>global-noclip: {@code 2R}, above the norm, which never changes since nothing is written.
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
     * {@return the threshold of run {@code k} (0-based, warm-up runs counted)}
     *
     * @param totalNorm the set's L2 norm before the first run
     * @param smallestTensorNorm the smallest tensor L2 norm before the first run
     */
    public static double threshold(Mode mode, int k, double totalNorm, double smallestTensorNorm) {
        return switch (mode) {
            case NORM -> 0.0;
            case GLOBAL_NOCLIP -> 2.0 * totalNorm;
            case GLOBAL_CLIP -> totalNorm * FIRST_FRACTION * Math.pow(DECAY, k);
            case PER_TENSOR -> smallestTensorNorm * FIRST_FRACTION * Math.pow(DECAY, k);
            case VALUE -> FIRST_CLIP_VALUE * Math.pow(VALUE_DECAY, k);
        };
    }
}
