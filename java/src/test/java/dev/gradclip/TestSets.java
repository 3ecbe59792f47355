package dev.gradclip;

import dev.gradclip.internal.Numerics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Random and adversarial gradient sets in off-heap memory, and twins of them for the reference. */
final class TestSets implements AutoCloseable {
    /** Sizes that sit on SIMD widths, the test chunk size (1000) and the default chunk size (65536). */
    static final long[] AWKWARD_SIZES = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 999, 1000,
        1001, 1999, 2001, 4093, 65535, 65536, 65537, 100_003};

    final Arena arena = Arena.ofShared();
    final List<Tensor> tensors = new ArrayList<>();

    static TestSets of(List<Tensor> source) {
        TestSets s = new TestSets();
        for (Tensor t : source) {
            s.add(t.name(), t.dtype(), t.elementCount()).copyFrom(t.data().asSlice(0, t.byteSize()));
        }
        return s;
    }

    /** {@return a set of zero tensors with the names, dtypes and sizes of {@code source}'s} */
    static TestSets zerosLike(TestSets source) {
        TestSets s = new TestSets();
        for (Tensor t : source.tensors) {
            s.add(t.name(), t.dtype(), t.elementCount());
        }
        return s;
    }

    /** {@return a twin with the same contents in fresh memory} */
    TestSets copy() {
        return of(tensors);
    }

    MemorySegment add(String name, DType dtype, long count) {
        MemorySegment seg = arena.allocate(Math.max(1, count * dtype.byteSize()), 64);
        tensors.add(Tensor.of(name, seg, dtype, count));
        return seg;
    }

    /** Stores {@code v} rounded to {@code dtype}. */
    static void put(MemorySegment s, DType dtype, long i, double v) {
        switch (dtype) {
            case F32 -> s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
            case F64 -> s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
            case BF16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, Numerics.floatToBf16((float) v));
            case F16 -> s.setAtIndex(ValueLayout.JAVA_SHORT, i, Numerics.floatToF16((float) v));
        }
    }

    static double get(MemorySegment s, DType dtype, long i) {
        return switch (dtype) {
            case F32 -> s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            case F64 -> s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
            case BF16 -> Numerics.bf16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
            case F16 -> Numerics.f16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT, i));
        };
    }

    /** Largest magnitude scale a dtype holds comfortably (values are gaussian times the scale). */
    static double maxScale(DType t) {
        return t == DType.F16 ? 1e3 : 1e30;
    }

    static double minScale(DType t) {
        return t == DType.F16 ? 1e-3 : 1e-30;
    }

    /** Fills with gaussian values times {@code scale}. */
    void fillGaussian(MemorySegment s, DType dtype, long count, double scale, SplittableRandom rnd) {
        for (long i = 0; i < count; i++) {
            put(s, dtype, i, gaussian(rnd) * scale);
        }
    }

    static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble(1e-300, 1.0);
        double v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    /**
     * A random set: {@code tensors} tensors of sizes up to {@code maxSize} (awkward sizes mixed in),
     * dtypes drawn from {@code dtypes}, each tensor at its own log-uniform scale within the dtype's range.
     */
    static TestSets random(long seed, int tensors, long maxSize, DType... dtypes) {
        SplittableRandom rnd = new SplittableRandom(seed);
        TestSets s = new TestSets();
        for (int i = 0; i < tensors; i++) {
            DType dtype = dtypes[rnd.nextInt(dtypes.length)];
            long count = rnd.nextInt(4) == 0
                    ? AWKWARD_SIZES[rnd.nextInt(AWKWARD_SIZES.length)] % (maxSize + 1)
                    : rnd.nextLong(maxSize + 1);
            double lo = Math.log10(minScale(dtype));
            double hi = Math.log10(maxScale(dtype));
            double scale = Math.pow(10, rnd.nextDouble(lo, hi));
            if (rnd.nextInt(3) == 0) {
                scale = 1.0;
            }
            MemorySegment seg = s.add("t" + i, dtype, count);
            s.fillGaussian(seg, dtype, count, scale, rnd);
        }
        return s;
    }

    /** Puts {@code value} at the start, the middle or the end of a random non-empty tensor. */
    void inject(long seed, double value) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Tensor> nonEmpty = tensors.stream().filter(t -> t.elementCount() > 0).toList();
        if (nonEmpty.isEmpty()) {
            return;
        }
        Tensor t = nonEmpty.get(rnd.nextInt(nonEmpty.size()));
        long n = t.elementCount();
        long[] where = {0, n / 2, n - 1};
        put(t.data(), t.dtype(), where[rnd.nextInt(3)], value);
    }

    long elementCount() {
        return tensors.stream().mapToLong(Tensor::elementCount).sum();
    }

    @Override
    public void close() {
        arena.close();
    }
}
