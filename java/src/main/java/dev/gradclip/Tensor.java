package dev.gradclip;

import dev.gradclip.internal.Checks;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One gradient tensor: a name, its memory, its dtype and shape.
 *
 * <p>Host tensors wrap a {@link MemorySegment}: off-heap segments are used in place by every backend
 * (zero-copy). Heap arrays ({@code float[]}, {@code double[]}) are zero-copy on the {@code java}
 * backend; the native {@code cpu} backend copies them to an off-heap staging buffer allocated once at
 * registration, and back only when a clip wrote them, because native code may not hold on to a heap
 * array while it runs on several threads. Device tensors ({@link #onDevice}) live in CUDA memory and
 * are never dereferenced on the host.
 */
public final class Tensor {
    private final String name;
    private final MemorySegment data;
    private final DType dtype;
    private final long[] shape;
    private final long elementCount;
    private final boolean device;

    private Tensor(String name, MemorySegment data, DType dtype, long[] shape, boolean device) {
        this.name = Checks.requireNonNull("name", name);
        this.data = Checks.requireNonNull("data of tensor '" + name + "'", data);
        this.dtype = Checks.requireNonNull("dtype of tensor '" + name + "'", dtype);
        this.shape = Checks.requireNonNull("shape of tensor '" + name + "'", shape).clone();
        this.device = device;
        long count = 1;
        for (long d : this.shape) {
            Checks.requireArgument(d >= 0, "tensor '" + name + "': negative dimension in shape " + Arrays.toString(shape));
            count = Math.multiplyExact(count, d);
        }
        this.elementCount = count;
        Checks.requireArgument(count <= Long.MAX_VALUE / dtype.byteSize(), "tensor '" + name + "': too many elements");
    }

    /**
     * {@return a host tensor over {@code data} (its first {@code product(shape) * dtype.byteSize()} bytes)}
     *
     * @param shape the dimensions; none for a scalar
     * @throws IllegalArgumentException if the segment is smaller than the shape needs, misaligned for
     *     the dtype, or its arena is closed
     */
    public static Tensor of(String name, MemorySegment data, DType dtype, long... shape) {
        Tensor t = new Tensor(name, data, dtype, shape, false);
        t.checkHostSegment();
        return t;
    }

    /** {@return a host fp32 tensor over {@code array} (shape: {@code [array.length]} when none is given)} */
    public static Tensor of(String name, float[] array, long... shape) {
        Checks.requireNonNull("array", array);
        return of(name, MemorySegment.ofArray(array), DType.F32, shape.length == 0 ? new long[] {array.length} : shape);
    }

    /** {@return a host fp64 tensor over {@code array} (shape: {@code [array.length]} when none is given)} */
    public static Tensor of(String name, double[] array, long... shape) {
        Checks.requireNonNull("array", array);
        return of(name, MemorySegment.ofArray(array), DType.F64, shape.length == 0 ? new long[] {array.length} : shape);
    }

    /**
     * {@return a host bf16 or fp16 tensor over the raw 16-bit values in {@code bits}}
     *
     * @throws IllegalArgumentException if {@code dtype} is not BF16 or F16
     */
    public static Tensor of(String name, short[] bits, DType dtype, long... shape) {
        Checks.requireNonNull("bits", bits);
        Checks.requireArgument(dtype == DType.BF16 || dtype == DType.F16, "a short[] holds BF16 or F16, not " + dtype);
        return of(name, MemorySegment.ofArray(bits), dtype, shape.length == 0 ? new long[] {bits.length} : shape);
    }

    /**
     * {@return a host fp32 tensor over the remaining elements of {@code buffer}: zero-copy when it is
     * direct, like a {@code float[]} when it is a heap buffer}
     *
     * @throws IllegalArgumentException if the buffer is not in the platform's byte order
     */
    public static Tensor of(String name, java.nio.FloatBuffer buffer, long... shape) {
        Checks.requireNonNull("buffer", buffer);
        Checks.requireArgument(buffer.order() == java.nio.ByteOrder.nativeOrder(),
                "tensor '" + name + "': buffer must be in the platform's byte order (" + java.nio.ByteOrder.nativeOrder() + ")");
        return of(name, MemorySegment.ofBuffer(buffer), DType.F32,
                shape.length == 0 ? new long[] {buffer.remaining()} : shape);
    }

    /**
     * {@return a host tensor over the remaining bytes of {@code buffer}, read as {@code dtype}:
     * zero-copy when it is direct}
     *
     * @throws IllegalArgumentException if the buffer's order is not the platform's (write the values
     *     through {@code buffer.order(ByteOrder.nativeOrder())}), or it is too small or misaligned
     */
    public static Tensor of(String name, java.nio.ByteBuffer buffer, DType dtype, long... shape) {
        Checks.requireNonNull("buffer", buffer);
        Checks.requireArgument(buffer.order() == java.nio.ByteOrder.nativeOrder() || dtype.byteSize() == 1,
                "tensor '" + name + "': buffer must be in the platform's byte order (" + java.nio.ByteOrder.nativeOrder() + ")");
        return of(name, MemorySegment.ofBuffer(buffer), dtype,
                shape.length == 0 ? new long[] {buffer.remaining() / dtype.byteSize()} : shape);
    }

    /**
     * {@return a tensor in CUDA device memory, for the {@code cuda} backend}
     *
     * @throws IllegalArgumentException if the device memory is smaller than the shape needs or
     *     misaligned for the dtype
     */
    public static Tensor onDevice(String name, DeviceMemory memory, DType dtype, long... shape) {
        Checks.requireNonNull("memory", memory);
        Tensor t = new Tensor(name, memory.segment(), dtype, shape, true);
        Checks.requireArgument(t.byteSize() <= memory.byteSize(), "tensor '" + name + "': device memory of "
                + memory.byteSize() + " bytes is smaller than the " + t.byteSize() + " bytes its shape needs");
        Checks.requireArgument(memory.address() % dtype.byteSize() == 0, "tensor '" + name
                + "': device address 0x" + Long.toHexString(memory.address()) + " is misaligned for " + dtype);
        return t;
    }

    private void checkHostSegment() {
        Checks.requireArgument(data.scope().isAlive(), "tensor '" + name + "': its arena is already closed");
        Checks.requireArgument(data.byteSize() >= byteSize(), "tensor '" + name + "': segment of " + data.byteSize()
                + " bytes is smaller than the " + byteSize() + " bytes its shape " + Arrays.toString(shape) + " needs as "
                + dtype + (data.byteSize() == 0 ? " (a device pointer? wrap it with DeviceMemory and use Tensor.onDevice)" : ""));
        Checks.requireArgument(alignment() % dtype.byteSize() == 0, "tensor '" + name + "': segment at offset/address "
                + data.address() + " is misaligned for " + dtype + " (" + dtype.byteSize() + "-byte elements)");
    }

    /** Alignment the segment's start is guaranteed to have: from its address, or from its heap array's element size. */
    private long alignment() {
        long elementAlign = data.heapBase().map(Tensor::heapElementSize).orElse(Long.MAX_VALUE / 2 + 1);
        long address = data.address();
        long addressAlign = address == 0 ? elementAlign : Long.lowestOneBit(address);
        return Math.min(addressAlign, elementAlign);
    }

    private static long heapElementSize(Object array) {
        return switch (array) {
            case double[] a -> 8;
            case long[] a -> 8;
            case float[] a -> 4;
            case int[] a -> 4;
            case short[] a -> 2;
            case char[] a -> 2;
            default -> 1;
        };
    }

    /** {@return the tensor's name, used in results and error messages} */
    public String name() {
        return name;
    }

    /** {@return the memory: a host segment, or a zero-length segment holding a device address} */
    public MemorySegment data() {
        return data;
    }

    /** {@return the storage dtype} */
    public DType dtype() {
        return dtype;
    }

    /** {@return a copy of the shape} */
    public long[] shape() {
        return shape.clone();
    }

    /** {@return the number of elements, the product of the shape} */
    public long elementCount() {
        return elementCount;
    }

    /** {@return the number of bytes the elements take} */
    public long byteSize() {
        return elementCount * dtype.byteSize();
    }

    /** {@return true when the data is CUDA device memory} */
    public boolean isOnDevice() {
        return device;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + ":" + dtype + (device ? "@cuda" : "");
    }
}
