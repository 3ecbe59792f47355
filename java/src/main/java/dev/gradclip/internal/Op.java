package dev.gradclip.internal;

/** Operation codes of the C ABI (GC_MODE_*), checked against gradclip.h by a test. */
public final class Op {
    private Op() {}

    public static final int NORM = 0;
    public static final int GLOBAL = 1;
    public static final int PER_TENSOR = 2;
    public static final int VALUE = 3;
    public static final int SCALE = 4;

    /** {@return true for the modes that compute norms (and so per-tensor norms)} */
    public static boolean computesNorms(int mode) {
        return mode == NORM || mode == GLOBAL || mode == PER_TENSOR;
    }

    /** {@return true for the modes that may write to the gradients} */
    public static boolean mayWrite(int mode) {
        return mode != NORM;
    }
}
