package dev.gradclip;

/**
 * How the clip coefficient is derived from a norm {@code n} and the threshold {@code c}.
 *
 * <p>{@link #TORCH} is the default so that a trainer ported from PyTorch gets the same coefficients,
 * step for step; the two differ only by the 1e-6 guard and at {@code n <= c}.
 */
public enum CoefficientRule {
    /** {@code min(1, c / (n + 1e-6))}, as {@code torch.nn.utils.clip_grad_norm_}. */
    TORCH(0),
    /** {@code c / max(c, n)}: exactly 1 (no write) when {@code n <= c}, exactly {@code c / n} above. */
    EXACT(1);

    private final int code;

    CoefficientRule(int code) {
        this.code = code;
    }

    /** {@return the rule's code in the C ABI (GC_RULE_*)} */
    public int code() {
        return code;
    }

    /**
     * {@return the coefficient for norm {@code n} against threshold {@code c}; NaN when {@code n} is NaN}
     */
    public double coefficient(double n, double c) {
        if (this == TORCH) {
            double q = c / (n + 1e-6);
            return q < 1.0 ? q : (Double.isNaN(q) ? q : 1.0);
        }
        return n > c ? c / n : (Double.isNaN(n) ? n : 1.0);
    }
}
