package dev.gradclip.internal.ffm;

import static dev.gradclip.internal.ffm.GradclipNative.GC_OP;
import static dev.gradclip.internal.ffm.GradclipNative.GC_RESULT;

import dev.gradclip.internal.OpArgs;
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
    /** The norms a run reports (per tensor, or per sample). */
    public final MemorySegment norms;

    /** @param normSlots the most norms a run of the set reports */
    public OpBuffers(Arena arena, int normSlots) {
        this.op = arena.allocate(GC_OP);
        this.result = arena.allocate(GC_RESULT);
        this.norms = arena.allocate(ValueLayout.JAVA_DOUBLE, Math.max(1, normSlots));
    }

    /** Fills {@link #op}. */
    public void writeOp(OpArgs args) {
        StructOffsets.writeOp(op, args);
    }

    /** Copies {@link #result}, and the first {@code normCount} norms, into {@code r}. */
    public void readInto(ResultState r, int normCount) {
        StructOffsets.readResult(result, r);
        MemorySegment.copy(norms, ValueLayout.JAVA_DOUBLE, 0, r.tensorNorms, 0, normCount);
        r.normCount = normCount;
    }
}
