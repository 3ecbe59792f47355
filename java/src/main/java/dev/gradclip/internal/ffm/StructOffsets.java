package dev.gradclip.internal.ffm;

import static dev.gradclip.internal.ffm.GradclipNative.GC_OP;
import static dev.gradclip.internal.ffm.GradclipNative.GC_RESULT;
import static dev.gradclip.internal.ffm.GradclipNative.GC_TENSOR;
import static dev.gradclip.internal.ffm.GradclipNative.GC_UNITS;

import dev.gradclip.internal.OpArgs;
import dev.gradclip.internal.ResultState;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/** Field offsets of the ABI structs, computed once from their layouts, and the one reader of gc_result. */
public final class StructOffsets {
    private StructOffsets() {}

    static final long TENSOR_DATA = offset(GC_TENSOR, "data");
    static final long TENSOR_COUNT = offset(GC_TENSOR, "count");
    static final long TENSOR_DTYPE = offset(GC_TENSOR, "dtype");
    static final long TENSOR_RESERVED = offset(GC_TENSOR, "reserved");

    static final long OP_MODE = offset(GC_OP, "mode");
    static final long OP_NONFINITE = offset(GC_OP, "nonfinite");
    static final long OP_RULE = offset(GC_OP, "rule");
    static final long OP_RESERVED = offset(GC_OP, "reserved");
    static final long OP_NORM_TYPE = offset(GC_OP, "norm_type");
    static final long OP_THRESHOLD = offset(GC_OP, "threshold");
    static final long OP_EPS = offset(GC_OP, "eps");
    static final long OP_NOISE_MULTIPLIER = offset(GC_OP, "noise_multiplier");
    static final long OP_DIVISOR = offset(GC_OP, "divisor");
    static final long OP_SEED = offset(GC_OP, "seed");

    static final long UNITS_PARAMS = offset(GC_UNITS, "params");
    static final long UNITS_UNITS = offset(GC_UNITS, "units");
    static final long UNITS_LAYOUT = offset(GC_UNITS, "layout");
    static final long UNITS_PARAMS_DTYPE = offset(GC_UNITS, "params_dtype");

    static final long RESULT_TOTAL_NORM = offset(GC_RESULT, "total_norm");
    static final long RESULT_COEFFICIENT = offset(GC_RESULT, "coefficient");
    static final long RESULT_CLIPPED_COUNT = offset(GC_RESULT, "clipped_count");
    static final long RESULT_CLIPPED = offset(GC_RESULT, "clipped");
    static final long RESULT_NONFINITE = offset(GC_RESULT, "nonfinite");

    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(PathElement.groupElement(field));
    }

    /** Writes entry {@code index} of a {@code gc_tensor} array. */
    public static void writeTensor(MemorySegment table, int index, MemorySegment data, long count, int dtype) {
        MemorySegment entry = table.asSlice(index * GC_TENSOR.byteSize(), GC_TENSOR);
        entry.set(ValueLayout.ADDRESS, TENSOR_DATA, data);
        entry.set(ValueLayout.JAVA_LONG, TENSOR_COUNT, count);
        entry.set(ValueLayout.JAVA_INT, TENSOR_DTYPE, dtype);
        entry.set(ValueLayout.JAVA_INT, TENSOR_RESERVED, 0);
    }

    /** Writes entry {@code index} of a {@code gc_units} array. */
    public static void writeUnits(MemorySegment table, int index, MemorySegment params, long units, int layout, int paramsDtype) {
        MemorySegment entry = table.asSlice(index * GC_UNITS.byteSize(), GC_UNITS);
        entry.set(ValueLayout.ADDRESS, UNITS_PARAMS, params);
        entry.set(ValueLayout.JAVA_LONG, UNITS_UNITS, units);
        entry.set(ValueLayout.JAVA_INT, UNITS_LAYOUT, layout);
        entry.set(ValueLayout.JAVA_INT, UNITS_PARAMS_DTYPE, paramsDtype);
    }

    /** Writes an op's fields into a {@code gc_op} segment. */
    static void writeOp(MemorySegment op, OpArgs a) {
        op.set(ValueLayout.JAVA_INT, OP_MODE, a.mode);
        op.set(ValueLayout.JAVA_INT, OP_NONFINITE, a.nonFinite);
        op.set(ValueLayout.JAVA_INT, OP_RULE, a.rule);
        op.set(ValueLayout.JAVA_INT, OP_RESERVED, 0);
        op.set(ValueLayout.JAVA_DOUBLE, OP_NORM_TYPE, a.normType);
        op.set(ValueLayout.JAVA_DOUBLE, OP_THRESHOLD, a.threshold);
        op.set(ValueLayout.JAVA_DOUBLE, OP_EPS, a.eps);
        op.set(ValueLayout.JAVA_DOUBLE, OP_NOISE_MULTIPLIER, a.noiseMultiplier);
        op.set(ValueLayout.JAVA_DOUBLE, OP_DIVISOR, a.divisor);
        op.set(ValueLayout.JAVA_LONG, OP_SEED, a.seed);
    }

    /** Copies a {@code gc_result} into {@code r}. */
    static void readResult(MemorySegment result, ResultState r) {
        r.totalNorm = result.get(ValueLayout.JAVA_DOUBLE, RESULT_TOTAL_NORM);
        r.coefficient = result.get(ValueLayout.JAVA_DOUBLE, RESULT_COEFFICIENT);
        r.clippedCount = result.get(ValueLayout.JAVA_LONG, RESULT_CLIPPED_COUNT);
        r.clipped = result.get(ValueLayout.JAVA_INT, RESULT_CLIPPED) != 0;
        r.nonFinite = result.get(ValueLayout.JAVA_INT, RESULT_NONFINITE) != 0;
    }
}
