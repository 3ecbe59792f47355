package dev.gradclip.internal.reference;

import dev.gradclip.DType;
import dev.gradclip.internal.Numerics;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Reads an element as fp64 and stores an fp64 value with the rounding docs/SEMANTICS.md fixes. */
final class Elements {
    private Elements() {}

    static double load(MemorySegment s, DType t, long i) {
        return switch (t) {
            case F32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            case F64 -> s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
            case BF16 -> Numerics.bf16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
            case F16 -> Numerics.f16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
        };
    }

    static void store(MemorySegment s, DType t, long i, double y) {
        switch (t) {
            case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) y);
            case F64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, y);
            case BF16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, Numerics.floatToBf16((float) y));
            case F16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, Numerics.floatToF16((float) y));
        }
    }
}
