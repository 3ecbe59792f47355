package dev.gradclip.bench.peers;

import dev.gradclip.DType;
import dev.gradclip.Tensor;
import dev.gradclip.bench.ClipKernel;
import dev.gradclip.bench.Mode;
import dev.gradclip.internal.Numerics;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * What a user would write without a library: one thread, one loop per tensor over the same off-heap
 * segments, the sum of squares in double, then a second loop to scale (or clamp). It is the baseline
 * every JVM user already has.
 */
public final class JavaLoopPeer implements Peer {
    @Override
    public String name() {
        return "javaloop";
    }

    @Override
    public String description() {
        return "plain Java loops, 1 thread, in place on the same segments";
    }

    @Override
    public boolean supports(DType dtype) {
        return true;
    }

    @Override
    public ClipKernel open(List<Tensor> tensors, Mode mode) {
        return new Loops(tensors.toArray(new Tensor[0]), mode);
    }

    private static final class Loops extends PerArrayKernel {
        private final Tensor[] tensors;

        Loops(Tensor[] tensors, Mode mode) {
            super(mode, tensors.length);
            this.tensors = tensors;
        }

        @Override
        protected double norm(int i) {
            return Math.sqrt(sumOfSquares(tensors[i]));
        }

        @Override
        protected void scale(int i, double coef) {
            JavaLoopPeer.scale(tensors[i], coef);
        }

        @Override
        protected void clamp(int i, double v) {
            JavaLoopPeer.clamp(tensors[i], v);
        }
    }

    private static double sumOfSquares(Tensor t) {
        MemorySegment s = t.data();
        long n = t.elementCount();
        double sum = 0;
        switch (t.dtype()) {
            case F32 -> {
                for (long i = 0; i < n; i++) {
                    double x = s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                    sum += x * x;
                }
            }
            case F64 -> {
                for (long i = 0; i < n; i++) {
                    double x = s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
                    sum += x * x;
                }
            }
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    double x = Numerics.bf16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
                    sum += x * x;
                }
            }
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    double x = Float.float16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
                    sum += x * x;
                }
            }
        }
        return sum;
    }

    private static void scale(Tensor t, double coef) {
        MemorySegment s = t.data();
        long n = t.elementCount();
        float c = (float) coef;
        switch (t.dtype()) {
            case F32 -> {
                for (long i = 0; i < n; i++) {
                    s.setAtIndex(ValueLayout.JAVA_FLOAT, i, s.getAtIndex(ValueLayout.JAVA_FLOAT, i) * c);
                }
            }
            case F64 -> {
                for (long i = 0; i < n; i++) {
                    s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, s.getAtIndex(ValueLayout.JAVA_DOUBLE, i) * coef);
                }
            }
            case BF16 -> {
                for (long i = 0; i < n; i++) {
                    float x = Numerics.bf16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
                    s.setAtIndex(ValueLayout.JAVA_SHORT, i, Numerics.floatToBf16(x * c));
                }
            }
            case F16 -> {
                for (long i = 0; i < n; i++) {
                    float x = Float.float16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
                    s.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(x * c));
                }
            }
        }
    }

    private static void clamp(Tensor t, double v) {
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
}
