package dev.gradclip;

import dev.gradclip.internal.Checks;

/**
 * What an in-place clip does: a global norm clip, a per-tensor norm clip, an element-wise value clip,
 * block RMS clipping or unit-wise adaptive clipping (AGC). Per-sample clipping for differential privacy
 * writes to separate outputs: see {@link PerSampleClip}.
 *
 * <p>Policies are immutable values; build one once and pass it every step. Defaults follow PyTorch:
 * p = 2, {@link CoefficientRule#TORCH}, {@link NonFinitePolicy#PROPAGATE}.
 * <pre>{@code
 * ClipPolicy policy = ClipPolicy.globalNorm(1.0).withNonFinite(NonFinitePolicy.SKIP);
 * }</pre>
 */
public sealed interface ClipPolicy permits ClipPolicy.GlobalNorm, ClipPolicy.PerTensorNorm, ClipPolicy.Value,
        ClipPolicy.BlockRms, ClipPolicy.Adaptive {

    /** p of the Euclidean norm, the default. */
    double L2 = 2.0;
    /** p of the max norm. */
    double INF = Double.POSITIVE_INFINITY;

    /** {@return what happens when a gradient holds NaN or an infinity} */
    NonFinitePolicy nonFinite();

    /**
     * {@return a clip of all tensors by one norm, as {@code torch.nn.utils.clip_grad_norm_}}
     *
     * @throws IllegalArgumentException if {@code maxNorm} is negative, NaN or infinite
     */
    static GlobalNorm globalNorm(double maxNorm) {
        return new GlobalNorm(maxNorm, L2, CoefficientRule.TORCH, NonFinitePolicy.PROPAGATE);
    }

    /**
     * {@return a clip of each tensor by its own norm against the same threshold}
     *
     * @throws IllegalArgumentException if {@code maxNorm} is negative, NaN or infinite
     */
    static PerTensorNorm perTensorNorm(double maxNorm) {
        return new PerTensorNorm(maxNorm, L2, CoefficientRule.TORCH, NonFinitePolicy.PROPAGATE);
    }

    /**
     * {@return an element-wise clamp to {@code [-clipValue, clipValue]}, as {@code clip_grad_value_}}
     *
     * @throws IllegalArgumentException if {@code clipValue} is negative, NaN or infinite
     */
    static Value value(double clipValue) {
        return new Value(clipValue, NonFinitePolicy.PROPAGATE);
    }

    /**
     * {@return a clip of each tensor by its root mean square, as Optax's {@code clip_by_block_rms}: each
     * tensor is scaled by {@code maxRms / max(maxRms, rms)} ({@link CoefficientRule#EXACT}, Optax's rule)}
     *
     * @throws IllegalArgumentException if {@code maxRms} is negative, NaN or infinite
     */
    static BlockRms blockRms(double maxRms) {
        return new BlockRms(maxRms, CoefficientRule.EXACT, NonFinitePolicy.PROPAGATE);
    }

    /**
     * {@return unit-wise adaptive gradient clipping (AGC, Brock et al. 2021, as Optax's
     * {@code adaptive_grad_clip} and timm's {@code adaptive_clip_grad}) with {@code eps = 1e-3}}: each unit's
     * gradient norm is clipped to {@code clipping · max(‖its parameters‖, eps)}. The set needs its
     * parameters attached ({@link GradientSet#attachParameters}).
     *
     * @throws IllegalArgumentException if {@code clipping} is negative, NaN or infinite
     */
    static Adaptive adaptive(double clipping) {
        return new Adaptive(clipping, Adaptive.DEFAULT_EPS, NonFinitePolicy.PROPAGATE);
    }

    /**
     * Scale every tensor by {@code coef(‖all gradients‖_p)}.
     *
     * @param maxNorm threshold c, finite and {@code >= 0}
     * @param normType p {@code > 0}, or {@link #INF}
     * @param rule how the coefficient follows from the norm
     * @param nonFinite what happens on NaN or infinity
     */
    record GlobalNorm(double maxNorm, double normType, CoefficientRule rule, NonFinitePolicy nonFinite)
            implements ClipPolicy {
        /** @throws IllegalArgumentException if an argument is out of range or null */
        public GlobalNorm {
            Checks.requireThreshold("maxNorm", maxNorm);
            Checks.requireNormType(normType);
            Checks.requireNonNull("rule", rule);
            Checks.requireNonNull("nonFinite", nonFinite);
        }

        /** {@return this policy with norm type p} */
        public GlobalNorm withNormType(double p) {
            return new GlobalNorm(maxNorm, p, rule, nonFinite);
        }

        /** {@return this policy with another coefficient rule} */
        public GlobalNorm withRule(CoefficientRule r) {
            return new GlobalNorm(maxNorm, normType, r, nonFinite);
        }

        /** {@return this policy with another non-finite policy} */
        public GlobalNorm withNonFinite(NonFinitePolicy p) {
            return new GlobalNorm(maxNorm, normType, rule, p);
        }
    }

    /**
     * Scale each tensor by {@code coef(‖that tensor‖_p)}: "local" clipping.
     *
     * @param maxNorm threshold c applied to every tensor, finite and {@code >= 0}
     * @param normType p {@code > 0}, or {@link #INF}
     * @param rule how a coefficient follows from a norm
     * @param nonFinite what happens on NaN or infinity; a non-finite value anywhere stops the whole set
     */
    record PerTensorNorm(double maxNorm, double normType, CoefficientRule rule, NonFinitePolicy nonFinite)
            implements ClipPolicy {
        /** @throws IllegalArgumentException if an argument is out of range or null */
        public PerTensorNorm {
            Checks.requireThreshold("maxNorm", maxNorm);
            Checks.requireNormType(normType);
            Checks.requireNonNull("rule", rule);
            Checks.requireNonNull("nonFinite", nonFinite);
        }

        /** {@return this policy with norm type p} */
        public PerTensorNorm withNormType(double p) {
            return new PerTensorNorm(maxNorm, p, rule, nonFinite);
        }

        /** {@return this policy with another coefficient rule} */
        public PerTensorNorm withRule(CoefficientRule r) {
            return new PerTensorNorm(maxNorm, normType, r, nonFinite);
        }

        /** {@return this policy with another non-finite policy} */
        public PerTensorNorm withNonFinite(NonFinitePolicy p) {
            return new PerTensorNorm(maxNorm, normType, rule, p);
        }
    }

    /**
     * Clamp every element to {@code [-clipValue, clipValue]}; NaN stays NaN, ±∞ become ±clipValue.
     *
     * @param clipValue finite and {@code >= 0}
     * @param nonFinite what happens on NaN or infinity (ERROR and SKIP cost one extra read pass)
     */
    record Value(double clipValue, NonFinitePolicy nonFinite) implements ClipPolicy {
        /** @throws IllegalArgumentException if an argument is out of range or null */
        public Value {
            Checks.requireThreshold("clipValue", clipValue);
            Checks.requireNonNull("nonFinite", nonFinite);
        }

        /** {@return this policy with another non-finite policy} */
        public Value withNonFinite(NonFinitePolicy p) {
            return new Value(clipValue, p);
        }
    }

    /**
     * Scale each tensor by {@code coef(rms)}, {@code rms = ‖tensor‖₂ / √(elements)} (0 for an empty tensor).
     *
     * @param maxRms threshold c, finite and {@code >= 0}
     * @param rule how a coefficient follows from an RMS
     * @param nonFinite what happens on NaN or infinity; a non-finite value anywhere stops the whole set
     */
    record BlockRms(double maxRms, CoefficientRule rule, NonFinitePolicy nonFinite) implements ClipPolicy {
        /** @throws IllegalArgumentException if an argument is out of range or null */
        public BlockRms {
            Checks.requireThreshold("maxRms", maxRms);
            Checks.requireNonNull("rule", rule);
            Checks.requireNonNull("nonFinite", nonFinite);
        }

        /** {@return this policy with another coefficient rule} */
        public BlockRms withRule(CoefficientRule r) {
            return new BlockRms(maxRms, r, nonFinite);
        }

        /** {@return this policy with another non-finite policy} */
        public BlockRms withNonFinite(NonFinitePolicy p) {
            return new BlockRms(maxRms, rule, p);
        }
    }

    /**
     * Unit-wise adaptive clipping: unit u (see {@link Units}) with gradient norm {@code g} and parameter
     * norm {@code p} is left alone when {@code g < clipping · max(p, eps)} and otherwise scaled by
     * {@code clipping · max(p, eps) / max(g, 1e-6)}.
     *
     * @param clipping λ, finite and {@code >= 0} (NFNets use 0.01 to 0.16 depending on batch size)
     * @param eps floor of the parameter norm, finite and {@code > 0}, so units with zero weights still learn
     * @param nonFinite what happens on NaN or infinity in the gradients or the parameters; a non-finite
     *     value anywhere stops the whole set under ERROR and SKIP
     */
    record Adaptive(double clipping, double eps, NonFinitePolicy nonFinite) implements ClipPolicy {
        /** The parameter-norm floor of NFNets, Optax and timm. */
        public static final double DEFAULT_EPS = 1e-3;

        /** @throws IllegalArgumentException if an argument is out of range or null */
        public Adaptive {
            Checks.requireThreshold("clipping", clipping);
            Checks.requireArgument(Double.isFinite(eps) && eps > 0, "eps must be finite and > 0, got " + eps);
            Checks.requireNonNull("nonFinite", nonFinite);
        }

        /** {@return this policy with another parameter-norm floor} */
        public Adaptive withEps(double e) {
            return new Adaptive(clipping, e, nonFinite);
        }

        /** {@return this policy with another non-finite policy} */
        public Adaptive withNonFinite(NonFinitePolicy p) {
            return new Adaptive(clipping, eps, p);
        }
    }
}
