package dev.gradclip.internal.ffm;

import static dev.gradclip.internal.ffm.GradclipNative.GC_OP;
import static dev.gradclip.internal.ffm.GradclipNative.GC_RESULT;

import dev.gradclip.internal.ResultState;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The native buffers every operation of a native set passes (a {@code gc_op}, a {@code gc_result} and
 * one norm per tensor), allocated once in the set's arena and reused every step.
 */
public final class OpBuffers {
    /** The {@code gc_op} passed to the run call. */
    public final MemorySegment op;
    /** The {@code gc_result} the library fills. */
    public final MemorySegment result;
    /** One double per tensor, the per-tensor norms. */
    public final MemorySegment norms;
    private final int tensors;

    public OpBuffers(Arena arena, int tensors) {
        this.op = arena.allocate(GC_OP);
        this.result = arena.allocate(GC_RESULT);
        this.norms = arena.allocate(ValueLayout.JAVA_DOUBLE, tensors);
        this.tensors = tensors;
    }

    /** Fills {@link #op}. */
    public void writeOp(int mode, int nonFinite, int rule, double normType, double threshold) {
        StructOffsets.writeOp(op, mode, nonFinite, rule, normType, threshold);
    }

    /** Copies {@link #result}, and the per-tensor norms when {@code withNorms}, into {@code r}. */
    public void readInto(ResultState r, boolean withNorms) {
        StructOffsets.readResult(result, r);
        if (withNorms) {
            MemorySegment.copy(norms, ValueLayout.JAVA_DOUBLE, 0, r.tensorNorms, 0, tensors);
            r.tensorNormsValid = true;
        }
    }
}
