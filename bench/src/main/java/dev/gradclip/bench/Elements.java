package dev.gradclip.bench;

import dev.gradclip.Tensor;
import dev.gradclip.internal.Numerics;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Plain loops over a range of a host tensor's elements, in any dtype: what a user writes without a
 * library. The Java loop peer is made of them, and the reference uses them where the java backend
 * reports no figure (AGC's unit norms). One loop per dtype, so the JIT compiles each without a branch
 * per element.
 */
public final class Elements {
    private Elements() {}

    /** {@return the sum of squares of elements [from, to), in double} */
    public static double sumOfSquares(Tensor t, long from, long to) {
        MemorySegment s = t.data();
        double sum = 0;
        switch (t.dtype()) {
            case F32 -> {
                for (long i = from; i < to; i++) {
                    double x = s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    sum += x * x;
                }
            }
            case F64 -> {
                for (long i = from; i < to; i++) {
                    double x = s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
                    sum += x * x;
                }
            }
            case BF16 -> {
                for (long i = from; i < to; i++) {
                    double x = Numerics.bf16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
                    sum += x * x;
                }
            }
            case F16 -> {
                for (long i = from; i < to; i++) {
                    double x = Float.float16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
                    sum += x * x;
                }
            }
        }
        return sum;
    }

    /** Multiplies elements [from, to) by {@code coef} in place (in float for the 32- and 16-bit dtypes). */
    public static void scale(Tensor t, long from, long to, double coef) {
        MemorySegment s = t.data();
        float c = (float) coef;
        switch (t.dtype()) {
            case F32 -> {
                for (long i = from; i < to; i++) {
                    s.setAtIndex(ValueLayout.JAVA_FLOAT, i, s.getAtIndex(ValueLayout.JAVA_FLOAT, i) * c);
                }
            }
            case F64 -> {
                for (long i = from; i < to; i++) {
                    s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, s.getAtIndex(ValueLayout.JAVA_DOUBLE, i) * coef);
                }
            }
            case BF16 -> {
                for (long i = from; i < to; i++) {
                    float x = Numerics.bf16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
                    s.setAtIndex(ValueLayout.JAVA_SHORT, i, Numerics.floatToBf16(x * c));
                }
            }
            case F16 -> {
                for (long i = from; i < to; i++) {
                    float x = Float.float16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
                    s.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(x * c));
                }
            }
        }
    }

    /** Clamps every element to {@code [-v, v]} in place. */
    public static void clamp(Tensor t, double v) {
        MemorySegment s = t.data();
        long n = t.elementCount();
        float c = (float) v;
        switch (t.dtype()) {
            case F32 -> {
                for (long i = 0; i < n; i++) {
                    s.setAtIndex(ValueLayout.JAVA_FLOAT, i, Math.clamp(s.getAtIndex(ValueLayout.JAVA_FLOAT, i), -c, c));
                }
            }
            case F64 -> {
                for (long i = 0; i < n; i++) {
                    s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, Math.clamp(s.getAtIndex(ValueLayout.JAVA_DOUBLE, i), -v, v));
                }
            }
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    float x = Numerics.bf16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
                    s.setAtIndex(ValueLayout.JAVA_SHORT, i, Numerics.floatToBf16(Math.clamp(x, -c, c)));
                }
            }
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    float x = Float.float16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
                    s.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(Math.clamp(x, -c, c)));
                }
            }
        }
    }

    /**
     * Writes {@code out[j] = Σ_b coefs[b] * in[b·k + j]} for j in [0, k), k = out's elements: a weighted
     * sum of the {@code coefs.length} samples that {@code in} holds sample-major, accumulated in double;
     * {@code out} has {@code in}'s dtype.
     */
    public static void weightedSum(Tensor in, double[] coefs, Tensor out) {
        MemorySegment x = in.data();
        MemorySegment y = out.data();
        long k = out.elementCount();
        int batch = coefs.length;
        switch (in.dtype()) {
            case F32 -> {
                for (long j = 0; j < k; j++) {
                    double a = 0;
                    for (int b = 0; b < batch; b++) {
                        a += coefs[b] * x.getAtIndex(ValueLayout.JAVA_FLOAT, b * k + j);
                    }
                    y.setAtIndex(ValueLayout.JAVA_FLOAT, j, (float) a);
                }
            }
            case F64 -> {
                for (long j = 0; j < k; j++) {
                    double a = 0;
                    for (int b = 0; b < batch; b++) {
                        a += coefs[b] * x.getAtIndex(ValueLayout.JAVA_DOUBLE, b * k + j);
                    }
                    y.setAtIndex(ValueLayout.JAVA_DOUBLE, j, a);
                }
            }
            case BF16 -> {
                for (long j = 0; j < k; j++) {
                    double a = 0;
                    for (int b = 0; b < batch; b++) {
                        a += coefs[b] * Numerics.bf16ToFloat(x.getAtIndex(ValueLayout.JAVA_SHORT, b * k + j));
                    }
                    y.setAtIndex(ValueLayout.JAVA_SHORT, j, Numerics.floatToBf16((float) a));
                }
            }
            case F16 -> {
                for (long j = 0; j < k; j++) {
                    double a = 0;
                    for (int b = 0; b < batch; b++) {
                        a += coefs[b] * Float.float16ToFloat(x.getAtIndex(ValueLayout.JAVA_SHORT, b * k + j));
                    }
                    y.setAtIndex(ValueLayout.JAVA_SHORT, j, Float.floatToFloat16((float) a));
                }
            }
        }
    }
}
