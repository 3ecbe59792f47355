package dev.gradclip;

import dev.gradclip.internal.Checks;

/**
 * Per-sample clipping for differential privacy (DP-SGD, as Opacus and Optax's
 * {@code per_example_global_norm_clip} / {@code per_example_layer_norm_clip}): every sample's gradient is
 * clipped to {@code maxNorm}, the clipped samples are summed, Gaussian noise of standard deviation
 * {@code noiseMultiplier · maxNorm} is added, and the result is divided by {@code divisor}. Run it with
 * {@link PerSampleSet#aggregate}; docs/SEMANTICS.md gives the exact arithmetic.
 *
 * <p>This is the clipping and noising building block of DP-SGD, not a privacy accountant: choosing σ,
 * the sampling rate and the number of steps for an (ε, δ) budget is the caller's job, and the noise comes
 * from a fast counter-based generator that is reproducible from its seed, not a cryptographically secure
 * one.
 *
 * @param maxNorm C, finite and {@code >= 0}
 * @param scope one norm per sample over all tensors, or one per sample and tensor
 * @param rule how a coefficient follows from a norm: TORCH is Opacus's {@code C / (n + 1e-6)} capped at 1,
 *     EXACT is Optax's {@code C / max(C, n)}
 * @param noiseMultiplier σ, finite and {@code >= 0} (0: no noise)
 * @param divisor finite and {@code > 0}: 1 for the sum, the batch size for the mean, the expected batch
 *     size under Poisson sampling (as Opacus)
 * @param nonFinite what happens on NaN or infinity in the per-sample gradients (ERROR and SKIP leave the
 *     outputs untouched)
 */
public record PerSampleClip(double maxNorm, Scope scope, CoefficientRule rule, double noiseMultiplier, double divisor,
        NonFinitePolicy nonFinite) {

    /** Which norm a sample is clipped by. */
    public enum Scope {
        /** One norm per sample over all tensors (Opacus's flat clipping, Optax's global). */
        FLAT,
        /**
         * One norm per sample and tensor, each clipped to {@code maxNorm} (Opacus's per-layer clipping with
         * one threshold; Optax's {@code uniform=True} is {@code maxNorm = C / √tensors}).
         */
        PER_LAYER
    }

    /** @throws IllegalArgumentException if an argument is out of range or null */
    public PerSampleClip {
        Checks.requireThreshold("maxNorm", maxNorm);
        Checks.requireNonNull("scope", scope);
        Checks.requireNonNull("rule", rule);
        Checks.requireArgument(Double.isFinite(noiseMultiplier) && noiseMultiplier >= 0,
                "noiseMultiplier must be finite and >= 0, got " + noiseMultiplier);
        Checks.requireArgument(Double.isFinite(divisor) && divisor > 0, "divisor must be finite and > 0, got " + divisor);
        Checks.requireNonNull("nonFinite", nonFinite);
    }

    /** {@return flat clipping to {@code maxNorm}: Opacus's rule, no noise, the sum} */
    public static PerSampleClip flat(double maxNorm) {
        return new PerSampleClip(maxNorm, Scope.FLAT, CoefficientRule.TORCH, 0.0, 1.0, NonFinitePolicy.PROPAGATE);
    }

    /** {@return per-layer clipping of every tensor to {@code maxNorm}: Opacus's rule, no noise, the sum} */
    public static PerSampleClip perLayer(double maxNorm) {
        return new PerSampleClip(maxNorm, Scope.PER_LAYER, CoefficientRule.TORCH, 0.0, 1.0, NonFinitePolicy.PROPAGATE);
    }

    /** {@return this policy adding Gaussian noise of standard deviation {@code sigma · maxNorm}} */
    public PerSampleClip withNoise(double sigma) {
        return new PerSampleClip(maxNorm, scope, rule, sigma, divisor, nonFinite);
    }

    /** {@return this policy dividing the noisy sum by {@code d}} */
    public PerSampleClip withDivisor(double d) {
        return new PerSampleClip(maxNorm, scope, rule, noiseMultiplier, d, nonFinite);
    }

    /** {@return this policy with another coefficient rule} */
    public PerSampleClip withRule(CoefficientRule r) {
        return new PerSampleClip(maxNorm, scope, r, noiseMultiplier, divisor, nonFinite);
    }

    /** {@return this policy with another non-finite policy} */
    public PerSampleClip withNonFinite(NonFinitePolicy p) {
        return new PerSampleClip(maxNorm, scope, rule, noiseMultiplier, divisor, p);
    }
}
