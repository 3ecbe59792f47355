package dev.gradclip.adaptive;

/**
 * What one step of a stateful clipper ({@link LossScaler}, {@link AutoClip}, {@link ZClip}) found and did.
 *
 * <p>Like {@link dev.gradclip.ClipResult}, each clipper owns one {@code ClipStep} and updates it in place
 * every step, so a step allocates nothing: read what you need before the next step, or keep a
 * {@link #snapshot()}.
 */
public final class ClipStep {
    private double totalNorm = Double.NaN;
    private double threshold = Double.NaN;
    private double coefficient = 1.0;
    private double scale = 1.0;
    private boolean clipped;
    private boolean nonFinite;

    ClipStep() {}

    void set(double totalNorm, double threshold, double coefficient, double scale, boolean clipped,
            boolean nonFinite) {
        this.totalNorm = totalNorm;
        this.threshold = threshold;
        this.coefficient = coefficient;
        this.scale = scale;
        this.clipped = clipped;
        this.nonFinite = nonFinite;
    }

    /** {@return the total norm of the (unscaled) gradients before clipping; NaN or infinite when non-finite} */
    public double totalNorm() {
        return totalNorm;
    }

    /** {@return the clip threshold used this step; NaN when there was none (e.g. during a warm-up)} */
    public double threshold() {
        return threshold;
    }

    /** {@return the clip coefficient, at most 1 (a loss scaler's unscaling is in {@link #scale()}, not here)} */
    public double coefficient() {
        return coefficient;
    }

    /** {@return the loss scale the gradients held this step; 1 for clippers without loss scaling} */
    public double scale() {
        return scale;
    }

    /** {@return true when the clip coefficient was below 1 and was applied} */
    public boolean clipped() {
        return clipped;
    }

    /** {@return true when a NaN or an infinity was found (for a {@link LossScaler}: the step was skipped)} */
    public boolean nonFinite() {
        return nonFinite;
    }

    /** {@return an immutable copy of this step} */
    public Snapshot snapshot() {
        return new Snapshot(totalNorm, threshold, coefficient, scale, clipped, nonFinite);
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }

    /** An immutable copy of a {@link ClipStep}; the components mean what its accessors say. */
    public record Snapshot(double totalNorm, double threshold, double coefficient, double scale, boolean clipped,
            boolean nonFinite) {}
}
