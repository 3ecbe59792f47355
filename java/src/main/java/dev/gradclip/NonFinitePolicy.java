package dev.gradclip;

/** What a clip does when the gradients hold a NaN or an infinity. */
public enum NonFinitePolicy {
    /** Throw {@link NonFiniteGradientException}; nothing is modified. */
    ERROR(0),
    /** Modify nothing and report it in {@link ClipResult#nonFinite()}: the caller skips the step. */
    SKIP(1),
    /** Apply the coefficient as computed, NaN included: PyTorch's default ({@code error_if_nonfinite=False}). */
    PROPAGATE(2);

    private final int code;

    NonFinitePolicy(int code) {
        this.code = code;
    }

    /** {@return the policy's code in the C ABI (GC_NONFINITE_*)} */
    public int code() {
        return code;
    }
}
