package dev.gradclip.demo;

import dev.gradclip.DType;
import dev.gradclip.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One weight tensor of the model: its values on the Java heap, its gradient off-heap.
 *
 * <p>The gradient lives in a {@link MemorySegment} because that is what gradclip clips in place on
 * every backend without copying: the segment is registered once ({@link #gradientTensor()}), the
 * backward pass writes into it, gradclip reads and rescales it, and the optimizer reads it back. The
 * values are only ever touched by Java code, so a {@code float[]} keeps the model code plain.
 */
final class Parameter {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private final String name;
    private final long[] shape;
    private final float[] value;
    private final MemorySegment gradient;

    /** A parameter of the given shape, all zeros, whose gradient is allocated in {@code arena}. */
    Parameter(String name, Arena arena, int... shape) {
        this.name = name;
        this.shape = Arrays.stream(shape).asLongStream().toArray();
        int size = Math.toIntExact(Arrays.stream(shape).asLongStream().reduce(1, Math::multiplyExact));
        this.value = new float[size];
        this.gradient = arena.allocate(F32, size);
    }

    /** {@return the name gradclip reports the tensor under} */
    String name() {
        return name;
    }

    /** {@return the number of elements} */
    int size() {
        return value.length;
    }

    /** {@return the values, row-major; the array itself, for the model's loops} */
    float[] value() {
        return value;
    }

    /** {@return the gradient's memory, row-major fp32} */
    MemorySegment gradient() {
        return gradient;
    }

    /** {@return element {@code i} of the gradient} */
    float gradient(int i) {
        return gradient.getAtIndex(F32, i);
    }

    /** Adds {@code delta} to element {@code i} of the gradient. */
    void addGradient(int i, float delta) {
        gradient.setAtIndex(F32, i, gradient.getAtIndex(F32, i) + delta);
    }

    /** Sets every gradient element to zero. */
    void zeroGradient() {
        gradient.fill((byte) 0);
    }

    /** {@return the gradient as a gradclip tensor over the same memory (zero-copy)} */
    Tensor gradientTensor() {
        return Tensor.of(name, gradient, DType.F32, shape);
    }

    /** Copies the values (not the gradient) of a parameter of the same shape. */
    void copyValueFrom(Parameter other) {
        if (!Arrays.equals(shape, other.shape)) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " != "
                    + Arrays.toString(other.shape));
        }
        System.arraycopy(other.value, 0, value, 0, value.length);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
