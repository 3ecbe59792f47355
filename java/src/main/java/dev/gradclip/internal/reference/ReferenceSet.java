package dev.gradclip.internal.reference;

import dev.gradclip.CoefficientRule;
import dev.gradclip.DType;
import dev.gradclip.NonFinitePolicy;
import dev.gradclip.Tensor;
import dev.gradclip.Units;
import dev.gradclip.internal.GaussianNoise;
import dev.gradclip.internal.Numerics;
import dev.gradclip.internal.Op;
import dev.gradclip.internal.OpArgs;
import dev.gradclip.internal.PreparedSet;
import dev.gradclip.internal.ResultState;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/** docs/SEMANTICS.md written as directly as possible: one element at a time, in order. */
final class ReferenceSet implements PreparedSet {
    private static final int PROPAGATE = NonFinitePolicy.PROPAGATE.code();
    /** values() copies its array on every call: keep one. */
    private static final CoefficientRule[] RULES = CoefficientRule.values();

    private final MemorySegment[] data;
    private final DType[] dtypes;
    private final long[] counts;
    /** AGC: the parameters and units of each tensor; null until attached. */
    private MemorySegment[] paramData;
    private DType[] paramTypes;
    private Units[] units;
    /** AGC scratch, one entry per unit, allocated when units are attached so a run allocates nothing. */
    private double[][] gradSums;
    private double[][] paramSums;
    private double[][] unitCoefs;
    /** Per-sample modes: the batch and the outputs; null until attached. */
    private int batch;
    private MemorySegment[] outData;
    private DType[] outTypes;
    /** Per-sample scratch: sums and coefficients at {@code b * tensors + t}. */
    private double[] sampleSums;
    private double[] sampleCoefs;

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
    public void attachUnits(Tensor[] parameters, Units[] unitsOfTensors) {
        paramData = new MemorySegment[parameters.length];
        paramTypes = new DType[parameters.length];
        for (int t = 0; t < parameters.length; t++) {
            paramData[t] = parameters[t].data();
            paramTypes[t] = parameters[t].dtype();
        }
        units = unitsOfTensors.clone();
        gradSums = new double[units.length][];
        paramSums = new double[units.length][];
        unitCoefs = new double[units.length][];
        for (int t = 0; t < units.length; t++) {
            int u = Math.toIntExact(units[t].count());
            gradSums[t] = new double[u];
            paramSums[t] = new double[u];
            unitCoefs[t] = new double[u];
        }
    }

    @Override
    public void attachSamples(int batchSize, Tensor[] outputs) {
        outData = new MemorySegment[outputs.length];
        outTypes = new DType[outputs.length];
        for (int t = 0; t < outputs.length; t++) {
            outData[t] = outputs[t].data();
            outTypes[t] = outputs[t].dtype();
        }
        batch = batchSize;
        sampleSums = new double[batchSize * outputs.length];
        sampleCoefs = new double[batchSize * outputs.length];
    }

    @Override
    public void run(OpArgs op, ResultState r) {
        switch (op.mode) {
            case Op.NORM, Op.GLOBAL, Op.PER_TENSOR, Op.BLOCK_RMS ->
                    runNormBased(op.mode, op.nonFinite, op.rule, op.normType, op.threshold, r);
            case Op.VALUE -> runValue(op.nonFinite, op.threshold, r);
            case Op.SCALE -> runScale(op.threshold, r);
            case Op.AGC -> runAdaptive(op.nonFinite, op.threshold, op.eps, r);
            case Op.PER_SAMPLE_FLAT, Op.PER_SAMPLE_LAYER -> runPerSample(op, r);
            default -> throw new IllegalArgumentException("unknown mode " + op.mode);
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
            r.tensorNorms[t] = mode == Op.BLOCK_RMS ? blockRms(s, counts[t]) : Numerics.finishNorm(p, s);
            total = inf ? Numerics.maxCombine(total, s) : total + s;
        }
        r.normCount = data.length;
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

    private static double blockRms(double sumSquares, long count) {
        return count == 0 ? 0.0 : Math.sqrt(sumSquares / count);
    }

    /** AGC: per-unit norms of gradients and parameters, then each unit's coefficient, then the writes. */
    private void runAdaptive(int nonFinite, double lambda, double eps, ResultState r) {
        boolean seenNonFinite = false;
        int n = data.length;
        double total = 0.0;
        for (int t = 0; t < n; t++) {
            Arrays.fill(gradSums[t], 0.0);
            Arrays.fill(paramSums[t], 0.0);
            for (long i = 0; i < counts[t]; i++) {
                int unit = (int) unitOf(t, i);
                double g = Elements.load(data[t], dtypes[t], i);
                double w = Elements.load(paramData[t], paramTypes[t], i);
                seenNonFinite |= !Double.isFinite(g) || !Double.isFinite(w);
                gradSums[t][unit] += g * g;
                paramSums[t][unit] += w * w;
            }
            double s = 0.0;
            for (double unitSum : gradSums[t]) {
                s += unitSum;
            }
            r.tensorNorms[t] = Math.sqrt(s);
            total += s;
        }
        r.normCount = n;
        r.totalNorm = Math.sqrt(total);
        r.nonFinite = seenNonFinite;
        boolean mayWrite = !seenNonFinite || nonFinite == PROPAGATE;
        double smallest = 1.0;
        long written = 0;
        for (int t = 0; t < n; t++) {
            double[] coefs = unitCoefs[t];
            for (int u = 0; u < coefs.length; u++) {
                coefs[u] = agcCoefficient(Math.sqrt(gradSums[t][u]), Math.sqrt(paramSums[t][u]), lambda, eps);
                if (counts[t] > 0) {
                    smallest = Numerics.minCombine(smallest, coefs[u]);
                    written += Numerics.mustScale(coefs[u]) ? 1 : 0;
                }
            }
            if (mayWrite) {
                for (long i = 0; i < counts[t]; i++) {
                    double coef = coefs[(int) unitOf(t, i)];
                    if (Numerics.mustScale(coef)) {
                        Elements.store(data[t], dtypes[t], i, Elements.load(data[t], dtypes[t], i) * coef);
                    }
                }
            }
        }
        r.coefficient = smallest;
        r.clippedCount = mayWrite ? written : 0;
        r.clipped = r.clippedCount > 0;
    }

    private long unitOf(int t, long i) {
        return switch (units[t].layout()) {
            case WHOLE -> 0;
            case ROWS -> i / (counts[t] / units[t].count());
            case COLUMNS -> i % units[t].count();
        };
    }

    /** docs/SEMANTICS.md: {@code g < λ·max(p, eps) ? 1 : λ·max(p, eps) / max(g, 1e-6)}, NaN-propagating maxima. */
    static double agcCoefficient(double g, double p, double lambda, double eps) {
        double maxNorm = lambda * nanMax(p, eps);
        if (g < maxNorm) {
            return 1.0;
        }
        return maxNorm / nanMax(g, 1e-6);
    }

    private static double nanMax(double a, double b) {
        return a != a ? a : (a > b ? a : b);
    }

    /** Per-sample clipping: sums per (sample, tensor), coefficients, then the fused weighted sum with noise. */
    private void runPerSample(OpArgs op, ResultState r) {
        int n = data.length;
        boolean flat = op.mode == Op.PER_SAMPLE_FLAT;
        double[] sums = sampleSums;
        boolean seenNonFinite = false;
        for (int t = 0; t < n; t++) {
            long k = counts[t] / batch;
            for (int b = 0; b < batch; b++) {
                double s = 0.0;
                for (long j = 0; j < k; j++) {
                    double x = Elements.load(data[t], dtypes[t], b * k + j);
                    seenNonFinite |= !Double.isFinite(x);
                    s += x * x;
                }
                sums[b * n + t] = s;
            }
        }
        CoefficientRule rule = RULES[op.rule];
        double[] coefs = sampleCoefs;
        double largest = 0.0;
        double smallest = 1.0;
        long clipped = 0;
        for (int b = 0; b < batch; b++) {
            if (flat) {
                double s = 0.0;
                for (int t = 0; t < n; t++) {
                    s += sums[b * n + t];
                }
                double norm = Math.sqrt(s);
                double coef = rule.coefficient(norm, op.threshold);
                for (int t = 0; t < n; t++) {
                    coefs[b * n + t] = coef;
                }
                r.tensorNorms[b] = norm;
                largest = Numerics.maxCombine(largest, norm);
                smallest = Numerics.minCombine(smallest, coef);
                clipped += Numerics.mustScale(coef) ? 1 : 0;
            } else {
                for (int t = 0; t < n; t++) {
                    double norm = Math.sqrt(sums[b * n + t]);
                    double coef = rule.coefficient(norm, op.threshold);
                    coefs[b * n + t] = coef;
                    r.tensorNorms[b * n + t] = norm;
                    largest = Numerics.maxCombine(largest, norm);
                    smallest = Numerics.minCombine(smallest, coef);
                    clipped += Numerics.mustScale(coef) ? 1 : 0;
                }
            }
        }
        r.normCount = flat ? batch : batch * n;
        r.totalNorm = largest;
        r.coefficient = smallest;
        r.nonFinite = seenNonFinite;
        if (seenNonFinite && op.nonFinite != PROPAGATE) {
            return; // nothing written, so nothing clipped: as every other mode counts
        }
        r.clippedCount = clipped;
        r.clipped = clipped > 0;
        double noiseStd = op.noiseMultiplier * op.threshold;
        for (int t = 0; t < n; t++) {
            long k = counts[t] / batch;
            long key = GaussianNoise.key(op.seed, t);
            for (long j = 0; j < k; j++) {
                double a = 0.0;
                for (int b = 0; b < batch; b++) {
                    a = Math.fma(Elements.load(data[t], dtypes[t], b * k + j), coefs[b * n + t], a);
                }
                if (op.noiseMultiplier > 0) {
                    a = Math.fma(noiseStd, GaussianNoise.normal(key, j), a);
                }
                Elements.store(outData[t], outTypes[t], j, a / op.divisor);
            }
        }
    }

    @Override
    public void close() {}
}
