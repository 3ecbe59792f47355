package dev.gradclip.internal;

/**
 * The scalar arithmetic every backend must do identically (docs/SEMANTICS.md), in Java: the reference
 * backend uses it, and the native libraries' numeric.hpp mirrors it.
 */
public final class Numerics {
    private Numerics() {}

    /** {@return the norm from its power sum (sum of |x|^p, or max |x| for p = ∞)} */
    public static double finishNorm(double p, double s) {
        if (p == 2.0) {
            return Math.sqrt(s);
        }
        if (p == 1.0 || p == Double.POSITIVE_INFINITY) {
            return s;
        }
        return Math.pow(s, 1.0 / p);
    }

    /** {@return |x|^p, one element's share of a power sum (p finite)} */
    public static double powerTerm(double p, double x) {
        if (p == 2.0) {
            return x * x;
        }
        if (p == 1.0) {
            return Math.abs(x);
        }
        return Math.pow(Math.abs(x), p);
    }

    /** {@return the larger of two max-norm partials; NaN wins} */
    public static double maxCombine(double a, double b) {
        if (Double.isNaN(a)) {
            return a;
        }
        if (Double.isNaN(b)) {
            return b;
        }
        return a > b ? a : b;
    }

    /** {@return the smaller of two coefficients; NaN wins} */
    public static double minCombine(double a, double b) {
        if (Double.isNaN(a)) {
            return a;
        }
        if (Double.isNaN(b)) {
            return b;
        }
        return a < b ? a : b;
    }

    /** {@return true when a coefficient requires writing: {@code !(coef >= 1)}, so NaN is applied} */
    public static boolean mustScale(double coef) {
        return !(coef >= 1.0);
    }

    /** {@return the bf16 bits nearest to {@code f} (ties to even); NaN stays a quiet NaN with its sign} */
    public static short floatToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (short) ((u >>> 16) | 0x0040);
        }
        int rounding = 0x7fff + ((u >>> 16) & 1);
        return (short) ((u + rounding) >>> 16);
    }

    /** {@return the float a bf16 holds} */
    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }

    /** {@return the binary16 bits nearest to {@code f} (ties to even, subnormals, overflow to ∞); NaN stays quiet} */
    public static short floatToF16(float f) {
        int u = Float.floatToRawIntBits(f);
        int sign = (u >>> 16) & 0x8000;
        int abs = u & 0x7fffffff;
        if (abs > 0x7f800000) {
            return (short) (sign | 0x7e00 | ((abs >>> 13) & 0x3ff));
        }
        if (abs >= 0x477ff000) {
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x38800000) {
            if (abs < 0x33000000) {
                return (short) sign;
            }
            int e = abs >>> 23;
            int m = (abs & 0x7fffff) | 0x800000;
            int shift = 126 - e;
            int q = m >>> shift;
            int rem = m & ((1 << shift) - 1);
            int half = 1 << (shift - 1);
            if (rem > half || (rem == half && (q & 1) != 0)) {
                q++;
            }
            return (short) (sign | q);
        }
        int rounded = abs + 0xfff + ((abs >>> 13) & 1);
        return (short) (sign | ((rounded - 0x38000000) >>> 13));
    }

    /** {@return the float a binary16 holds} */
    public static float f16ToFloat(short h) {
        return Float.float16ToFloat(h);
    }
}
