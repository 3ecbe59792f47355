package dev.gradclip.demo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The three small dense loops the LSTM spends its time in.
 *
 * <p>Written so the JIT does well with them: {@link #axpy} has no loop-carried dependency and is
 * vectorised; {@link #dot} keeps four partial sums because a single float sum is one long chain of
 * dependent additions (Java may not reorder float additions, so it cannot vectorise a plain
 * reduction). The order of additions is fixed, so results are bit-identical run after run.
 */
final class Kernels {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private Kernels() {}

    /** {@return sum of a[aOff + i] * b[bOff + i] for i in [0, n)} */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[aOff + i] * b[bOff + i];
            s1 += a[aOff + i + 1] * b[bOff + i + 1];
            s2 += a[aOff + i + 2] * b[bOff + i + 2];
            s3 += a[aOff + i + 3] * b[bOff + i + 3];
        }
        for (; i < n; i++) {
            s0 += a[aOff + i] * b[bOff + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** y[yOff + i] += alpha * x[xOff + i] for i in [0, n). */
    static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    /** The gradient form of {@link #axpy}: y[yOff + i] += alpha * x[xOff + i], y an off-heap fp32 segment. */
    static void axpy(float alpha, float[] x, int xOff, MemorySegment y, long yOff, int n) {
        for (int i = 0; i < n; i++) {
            long at = yOff + i;
            y.setAtIndex(F32, at, y.getAtIndex(F32, at) + alpha * x[xOff + i]);
        }
    }
}
