package dev.gradclip.internal.reference;

import dev.gradclip.CoefficientRule;
import dev.gradclip.DType;
import dev.gradclip.NonFinitePolicy;
import dev.gradclip.Tensor;
import dev.gradclip.internal.Numerics;
import dev.gradclip.internal.Op;
import dev.gradclip.internal.PreparedSet;
import dev.gradclip.internal.ResultState;
import java.lang.foreign.MemorySegment;

/** docs/SEMANTICS.md written as directly as possible: one element at a time, in order. */
final class ReferenceSet implements PreparedSet {
    private static final int PROPAGATE = NonFinitePolicy.PROPAGATE.code();
    /** values() copies its array on every call: keep one. */
    private static final CoefficientRule[] RULES = CoefficientRule.values();

    private final MemorySegment[] data;
    private final DType[] dtypes;
    private final long[] counts;

    ReferenceSet(Tensor[] tensors) {
        int n = tensors.length;
        data = new MemorySegment[n];
        dtypes = new DType[n];
        counts = new long[n];
        for (int i = 0; i < n; i++) {
            data[i] = tensors[i].data();
            dtypes[i] = tensors[i].dtype();
            counts[i] = tensors[i].elementCount();
        }
    }

    @Override
    public void run(int mode, int nonFinite, int rule, double p, double threshold, ResultState r) {
        switch (mode) {
            case Op.NORM, Op.GLOBAL, Op.PER_TENSOR -> runNormBased(mode, nonFinite, rule, p, threshold, r);
            case Op.VALUE -> runValue(nonFinite, threshold, r);
            case Op.SCALE -> runScale(threshold, r);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
    }

    private void runNormBased(int mode, int nonFinite, int rule, double p, double c, ResultState r) {
        boolean inf = p == Double.POSITIVE_INFINITY;
        boolean seenNonFinite = false;
        double total = 0.0;
        for (int t = 0; t < data.length; t++) {
            double s = 0.0;
            for (long i = 0; i < counts[t]; i++) {
                double x = Elements.load(data[t], dtypes[t], i);
                seenNonFinite |= !Double.isFinite(x);
                s = inf ? Numerics.maxCombine(s, Math.abs(x)) : s + Numerics.powerTerm(p, x);
            }
            r.tensorNorms[t] = Numerics.finishNorm(p, s);
            total = inf ? Numerics.maxCombine(total, s) : total + s;
        }
        r.tensorNormsValid = true;
        r.totalNorm = Numerics.finishNorm(p, total);
        r.nonFinite = seenNonFinite;
        if (mode == Op.NORM) {
            return;
        }
        boolean mayWrite = !seenNonFinite || nonFinite == PROPAGATE;
        CoefficientRule coefRule = RULES[rule];
        if (mode == Op.GLOBAL) {
            double coef = coefRule.coefficient(r.totalNorm, c);
            r.coefficient = coef;
            if (mayWrite && Numerics.mustScale(coef)) {
                for (int t = 0; t < data.length; t++) {
                    scaleTensor(t, coef);
                }
                r.clipped = true;
                r.clippedCount = 1;
            }
            return;
        }
        double smallest = 1.0;
        long written = 0;
        for (int t = 0; t < data.length; t++) {
            double coef = coefRule.coefficient(r.tensorNorms[t], c);
            smallest = Numerics.minCombine(smallest, coef);
            if (mayWrite && Numerics.mustScale(coef)) {
                scaleTensor(t, coef);
                written++;
            }
        }
        r.coefficient = smallest;
        r.clippedCount = written;
        r.clipped = written > 0;
    }

    private void scaleTensor(int t, double coef) {
        for (long i = 0; i < counts[t]; i++) {
            Elements.store(data[t], dtypes[t], i, Elements.load(data[t], dtypes[t], i) * coef);
        }
    }

    private void runValue(int nonFinite, double v, ResultState r) {
        boolean seenNonFinite = false;
        for (int t = 0; t < data.length && !seenNonFinite; t++) {
            for (long i = 0; i < counts[t]; i++) {
                if (!Double.isFinite(Elements.load(data[t], dtypes[t], i))) {
                    seenNonFinite = true;
                    break;
                }
            }
        }
        r.nonFinite = seenNonFinite;
        if (seenNonFinite && nonFinite != PROPAGATE) {
            return;
        }
        long changed = 0;
        for (int t = 0; t < data.length; t++) {
            for (long i = 0; i < counts[t]; i++) {
                double x = Elements.load(data[t], dtypes[t], i);
                if (x > v) {
                    Elements.store(data[t], dtypes[t], i, v);
                    changed++;
                } else if (x < -v) {
                    Elements.store(data[t], dtypes[t], i, -v);
                    changed++;
                }
            }
        }
        r.clippedCount = changed;
        r.clipped = changed > 0;
    }

    private void runScale(double coef, ResultState r) {
        r.coefficient = coef;
        if (coef == 1.0) {
            return;
        }
        for (int t = 0; t < data.length; t++) {
            scaleTensor(t, coef);
        }
        r.clipped = true;
        r.clippedCount = 1;
    }

    @Override
    public void close() {}
}
