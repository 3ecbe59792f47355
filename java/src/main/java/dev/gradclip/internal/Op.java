package dev.gradclip.internal;

/** Operation codes of the C ABI (GC_MODE_*), checked against gradclip.h by a test. */
public final class Op {
    private Op() {}

    public static final int NORM = 0;
    public static final int GLOBAL = 1;
    public static final int PER_TENSOR = 2;
    public static final int VALUE = 3;
    public static final int SCALE = 4;
    public static final int BLOCK_RMS = 5;
    public static final int AGC = 6;
    public static final int PER_SAMPLE_FLAT = 7;
    public static final int PER_SAMPLE_LAYER = 8;

    /**
     * {@return how many norms {@code mode} reports (gradclip.h, gc_cpu_run): one per tensor, one per
     * sample, one per (sample, tensor), or none}
     */
    public static int normCount(int mode, int tensors, int batch) {
        return switch (mode) {
            case NORM, GLOBAL, PER_TENSOR, BLOCK_RMS, AGC -> tensors;
            case PER_SAMPLE_FLAT -> batch;
            case PER_SAMPLE_LAYER -> batch * tensors;
            default -> 0;
        };
    }

    /** {@return true for the modes that may write to the registered gradients} */
    public static boolean mayWrite(int mode) {
        return mode != NORM && mode != PER_SAMPLE_FLAT && mode != PER_SAMPLE_LAYER;
    }
}
