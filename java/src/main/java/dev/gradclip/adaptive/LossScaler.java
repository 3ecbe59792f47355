package dev.gradclip.adaptive;

import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.GradientSet;
import dev.gradclip.internal.Checks;

/**
 * Dynamic loss scaling for mixed precision, fused with a global norm clip.
 *
 * <p>The loss is multiplied by the scale S before the backward pass ({@link #scaleLoss}), so the
 * gradients hold {@code S·g}. {@link #unscaleAndClip} then reads them once for their norm (the same
 * pass finds any NaN or infinity) and writes them once, multiplied by {@code min(coef, 1) / S}: two
 * passes over the gradients and one write, where PyTorch's {@code GradScaler.unscale_} followed by
 * {@code clip_grad_norm_} reads them three times and writes them twice.
 *
 * <p>The norm of the true gradients is {@code ‖S·g‖_p / S}: every p-norm is absolutely homogeneous.
 * With a power-of-two S (the defaults keep it one) the division is exact; otherwise it costs one
 * rounding. The scale evolves as {@code torch.cuda.amp.GradScaler}'s: halved ({@code backoffFactor})
 * on a step with a non-finite gradient, which is then skipped; doubled ({@code growthFactor}) after
 * {@code growthInterval} finite steps in a row, unless that would overflow. Not thread-safe.
 */
public final class LossScaler {
    /** GradScaler's {@code init_scale}. */
    public static final double DEFAULT_INIT_SCALE = 65536.0;
    /** GradScaler's {@code growth_factor}. */
    public static final double DEFAULT_GROWTH_FACTOR = 2.0;
    /** GradScaler's {@code backoff_factor}. */
    public static final double DEFAULT_BACKOFF_FACTOR = 0.5;
    /** GradScaler's {@code growth_interval}. */
    public static final int DEFAULT_GROWTH_INTERVAL = 2000;

    private final double growthFactor;
    private final double backoffFactor;
    private final int growthInterval;
    private final ClipStep step = new ClipStep();
    private double scale;
    private int growthTracker;

    /** Creates a scaler with GradScaler's defaults: S = 65536, ×2 every 2000 finite steps, ×0.5 on overflow. */
    public LossScaler() {
        this(DEFAULT_INIT_SCALE, DEFAULT_GROWTH_FACTOR, DEFAULT_BACKOFF_FACTOR, DEFAULT_GROWTH_INTERVAL);
    }

    /**
     * Creates a scaler.
     *
     * @param initScale the first scale S, finite and {@code > 0}
     * @param growthFactor what S is multiplied by after {@code growthInterval} finite steps, finite and {@code > 1}
     * @param backoffFactor what S is multiplied by on a non-finite step, in {@code (0, 1)}
     * @param growthInterval finite steps in a row before S grows, {@code >= 1}
     * @throws IllegalArgumentException if an argument is out of range
     */
    public LossScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval) {
        Checks.requireArgument(initScale > 0 && Double.isFinite(initScale),
                "initScale must be finite and > 0, got " + initScale);
        Checks.requireArgument(growthFactor > 1 && Double.isFinite(growthFactor),
                "growthFactor must be finite and > 1, got " + growthFactor);
        Checks.requireArgument(backoffFactor > 0 && backoffFactor < 1,
                "backoffFactor must be in (0, 1), got " + backoffFactor);
        Checks.requireArgument(growthInterval >= 1, "growthInterval must be >= 1, got " + growthInterval);
        this.scale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
    }

    /** {@return {@code loss · S}: the value to run the backward pass from} */
    public double scaleLoss(double loss) {
        return loss * scale;
    }

    /** {@return the current scale S} */
    public double scale() {
        return scale;
    }

    /** {@return finite steps in a row since the scale last changed} */
    public int growthTracker() {
        return growthTracker;
    }

    /**
     * Unscales and clips gradients that hold {@code S·g}, then updates S.
     *
     * <p>If a gradient holds NaN or an infinity (or the norm overflows), nothing is written, S is
     * multiplied by the backoff factor and the step reports {@link ClipStep#nonFinite()}: the caller
     * skips the optimizer step. Overflow is routine under loss scaling, so it is always handled this
     * way, whatever the policy's {@link dev.gradclip.NonFinitePolicy}. Otherwise, with
     * {@code n = ‖S·g‖_p / S} and {@code coef = policy.rule().coefficient(n, policy.maxNorm())}, every
     * gradient is multiplied by {@code min(coef, 1) / S} (always: the gradients must be unscaled even
     * when no clip is needed).
     *
     * @param policy threshold, norm type and coefficient rule of the clip
     * @return this scaler's step result, updated in place: the unscaled norm, threshold, clip
     *     coefficient, the scale S the gradients held, whether it clipped, whether it was skipped
     * @throws IllegalArgumentException if {@code set} or {@code policy} is null
     * @throws IllegalStateException if the set is closed or used by another thread
     */
    public ClipStep unscaleAndClip(GradientSet set, ClipPolicy.GlobalNorm policy) {
        if (set == null || policy == null) { // a plain check: Checks would build its message every step
            throw new IllegalArgumentException(set == null ? "set must not be null" : "policy must not be null");
        }
        double used = scale;
        ClipResult norm = set.norm(policy.normType());
        double scaledNorm = norm.totalNorm();
        if (norm.nonFinite() || !Double.isFinite(scaledNorm)) {
            scale = used * backoffFactor;
            growthTracker = 0;
            step.set(scaledNorm / used, policy.maxNorm(), 1.0, used, false, true);
            return step;
        }
        double n = scaledNorm / used;
        double coef = policy.rule().coefficient(n, policy.maxNorm());
        double clip = Math.min(coef, 1.0);
        set.scale(clip / used);
        step.set(n, policy.maxNorm(), clip, used, clip < 1.0, false);
        if (++growthTracker == growthInterval) {
            double grown = used * growthFactor;
            if (Double.isFinite(grown)) { // as GradScaler: never grow into an infinite scale
                scale = grown;
            }
            growthTracker = 0;
        }
        return step;
    }

    /** {@return the scaler's state (scale and growth tracker), e.g. to put in a checkpoint} */
    public State state() {
        return new State(scale, growthTracker);
    }

    /**
     * Continues from a saved state.
     *
     * @throws IllegalArgumentException if {@code state} is null, its scale is not finite and
     *     {@code > 0}, or its tracker is not in {@code [0, growthInterval)}
     */
    public void restore(State state) {
        Checks.requireNonNull("state", state);
        Checks.requireArgument(state.scale() > 0 && Double.isFinite(state.scale()),
                "state scale must be finite and > 0, got " + state.scale());
        Checks.requireArgument(state.growthTracker() >= 0 && state.growthTracker() < growthInterval,
                "state growthTracker must be in [0, " + growthInterval + "), got " + state.growthTracker());
        scale = state.scale();
        growthTracker = state.growthTracker();
    }

    /**
     * A loss scaler's state.
     *
     * @param scale the current scale S
     * @param growthTracker finite steps in a row since S last changed
     */
    public record State(double scale, int growthTracker) {}
}
