package dev.gradclip;

/** Thrown under {@link NonFinitePolicy#ERROR} when a gradient holds NaN or an infinity; nothing was modified. */
public class NonFiniteGradientException extends GradClipException {
    private static final long serialVersionUID = 1L;
    private final double totalNorm;

    /** @param totalNorm the norm that was computed (NaN or infinite, or NaN for a value clip) */
    public NonFiniteGradientException(double totalNorm) {
        super("non-finite gradient (NaN or infinity) found; total norm " + totalNorm
                + "; nothing was modified (NonFinitePolicy.ERROR)");
        this.totalNorm = totalNorm;
    }

    /** {@return the total norm computed before the error, NaN for a value clip} */
    public double totalNorm() {
        return totalNorm;
    }
}
