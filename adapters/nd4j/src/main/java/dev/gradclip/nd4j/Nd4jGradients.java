package dev.gradclip.nd4j;

import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.DType;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import dev.gradclip.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ND4J gradients registered once with gradclip and clipped in place, zero-copy.
 *
 * <p>Each {@link INDArray} is wrapped through the address of its off-heap buffer
 * ({@code data().addressPointer()}, which already includes a view's offset): gradclip reads and
 * writes ND4J's own memory, nothing is copied. Requirements, checked at registration:
 * <ul>
 *   <li>host memory (the {@code nd4j-native} backend; with {@code nd4j-cuda} the host pointer is
 *       only a mirror, so registration is refused);
 *   <li>a dense layout: c- or f-contiguous with no gaps (a whole array, a row, a block of rows;
 *       not a column or any strided view);
 *   <li>dtype FLOAT, DOUBLE, HALF or BFLOAT16.
 * </ul>
 * The arrays must stay alive and keep their buffers while registered: this object holds strong
 * references to them, but {@code close()}-ing an array, leaving its workspace, or detaching it
 * invalidates the registration. DL4J's per-parameter gradient arrays are views into one
 * {@code flattenedGradients} buffer allocated once per network, so registering them once is right.
 *
 * <pre>{@code
 * try (GradClip clip = GradClip.open();
 *      Nd4jGradients grads = Nd4jGradients.register(clip, model.gradient().gradientForVariable())) {
 *     ClipResult r = grads.clip(ClipPolicy.globalNorm(1.0));
 * }
 * }</pre>
 */
public final class Nd4jGradients implements AutoCloseable {
    private final List<INDArray> arrays;
    private final long[] addresses;
    private final GradientSet set;

    private Nd4jGradients(List<INDArray> arrays, long[] addresses, GradientSet set) {
        this.arrays = arrays;
        this.addresses = addresses;
        this.set = set;
    }

    /**
     * {@return the arrays of {@code gradients}, in the map's iteration order, registered with {@code clip}}
     *
     * @throws IllegalArgumentException if the map is empty or an array cannot be wrapped (see the class doc)
     */
    public static Nd4jGradients register(GradClip clip, Map<String, INDArray> gradients) {
        Objects.requireNonNull(clip, "clip");
        Objects.requireNonNull(gradients, "gradients");
        List<String> names = new ArrayList<>(gradients.size());
        List<INDArray> arrays = new ArrayList<>(gradients.size());
        gradients.forEach((name, array) -> {
            names.add(name);
            arrays.add(array);
        });
        return register(clip, names, arrays);
    }

    /** {@return the arrays registered with {@code clip}, named "0", "1", ...; see {@link #register(GradClip, Map)}} */
    public static Nd4jGradients register(GradClip clip, List<INDArray> gradients) {
        Objects.requireNonNull(gradients, "gradients");
        Map<String, INDArray> named = new LinkedHashMap<>();
        for (int i = 0; i < gradients.size(); i++) {
            named.put(Integer.toString(i), gradients.get(i));
        }
        return register(clip, named);
    }

    private static Nd4jGradients register(GradClip clip, List<String> names, List<INDArray> arrays) {
        if (arrays.isEmpty()) {
            throw new IllegalArgumentException("no gradients to register");
        }
        List<Tensor> tensors = new ArrayList<>(arrays.size());
        long[] addresses = new long[arrays.size()];
        for (int i = 0; i < arrays.size(); i++) {
            Tensor t = tensor(names.get(i), arrays.get(i));
            tensors.add(t);
            addresses[i] = t.data().address();
        }
        return new Nd4jGradients(List.copyOf(arrays), addresses, clip.register(tensors));
    }

    /**
     * {@return a zero-copy gradclip host tensor over {@code array}'s elements}
     *
     * @throws IllegalArgumentException if the array is not dense host memory of a supported dtype
     */
    @SuppressWarnings("restricted")   // reinterpret: ND4J owns the memory; its size is checked against data().length()
    public static Tensor tensor(String name, INDArray array) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(array, "array of '" + name + "'");
        if (array.wasClosed()) {
            throw new IllegalArgumentException("INDArray '" + name + "' was closed");
        }
        if (array.isSparse() || array.isCompressed()) {
            throw new IllegalArgumentException("INDArray '" + name + "' is sparse or compressed; only dense arrays can be clipped in place");
        }
        if (isCudaBackend()) {
            throw new IllegalArgumentException("INDArray '" + name + "' lives on the nd4j-cuda backend: its host pointer is a mirror "
                    + "of device memory, so clipping it in place would be lost; use nd4j-native");
        }
        DType dtype = dtype(array.dataType());
        long[] shape = array.shape();
        if (!isDense(shape, array.stride(), array.ordering())) {
            throw new IllegalArgumentException("INDArray '" + name + "' is a strided view (shape " + Arrays.toString(shape)
                    + ", stride " + Arrays.toString(array.stride()) + ", order " + array.ordering()
                    + "): its elements are not one contiguous block; register the array it is a view of, or dup() it");
        }
        long count = array.length();
        if (count == 0) {
            return Tensor.of(name, MemorySegment.NULL, dtype, shape);
        }
        if (array.data().length() < count) {
            throw new IllegalArgumentException("INDArray '" + name + "': its buffer holds " + array.data().length()
                    + " elements after its offset, fewer than its " + count + " elements");
        }
        Pointer p = array.data().addressPointer();   // includes the view's offset (data().offset())
        long address = p.address() + p.position() * p.sizeof();
        if (address == 0) {
            throw new IllegalArgumentException("INDArray '" + name + "' has no host buffer");
        }
        long bytes = count * dtype.byteSize();
        return Tensor.of(name, MemorySegment.ofAddress(address).reinterpret(bytes), dtype, shape);
    }

    /**
     * {@return gradclip's dtype for an ND4J dtype}
     *
     * @throws IllegalArgumentException for a dtype that is not FLOAT, DOUBLE, HALF or BFLOAT16
     */
    @SuppressWarnings("deprecation")   // DataType.HALF is ND4J's (deprecated) alias of FLOAT16
    public static DType dtype(DataType type) {
        return switch (type) {
            case FLOAT -> DType.F32;
            case DOUBLE -> DType.F64;
            case HALF -> DType.F16;   // DataType.FLOAT16 is an alias of HALF
            case BFLOAT16 -> DType.BF16;
            default -> throw new IllegalArgumentException("ND4J dtype " + type
                    + " is not a floating-point gradient type gradclip supports (FLOAT, DOUBLE, HALF, BFLOAT16)");
        };
    }

    /** True when shape/stride describe one gap-free block, in c or f order (dimensions of size 1 ignored). */
    static boolean isDense(long[] shape, long[] stride, char ordering) {
        for (long d : shape) {
            if (d == 0) {
                return true;
            }
        }
        return hasDefaultStrides(shape, stride, true) || hasDefaultStrides(shape, stride, false);
    }

    private static boolean hasDefaultStrides(long[] shape, long[] stride, boolean cOrder) {
        long expected = 1;
        for (int k = 0; k < shape.length; k++) {
            int i = cOrder ? shape.length - 1 - k : k;
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    private static boolean isCudaBackend() {
        try {
            return org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getName().toLowerCase(java.util.Locale.ROOT).contains("cuda");
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** {@return the result of one clip of all registered arrays, in place; see {@link GradientSet#clip}} */
    public ClipResult clip(ClipPolicy policy) {
        return set.clip(policy);
    }

    /**
     * {@return true when {@code gradients} are the same buffers, in the same order, as those registered}
     * A cheap check to run before {@link #clip} when the arrays might have been reallocated.
     */
    public boolean sameBuffersAs(Map<String, INDArray> gradients) {
        if (gradients.size() != arrays.size()) {
            return false;
        }
        int i = 0;
        for (INDArray a : gradients.values()) {
            if (a == null || a.isEmpty() != (addresses[i] == 0) || (!a.isEmpty() && addressOf(a) != addresses[i])
                    || a.length() != arrays.get(i).length() || a.dataType() != arrays.get(i).dataType()) {
                return false;
            }
            i++;
        }
        return true;
    }

    private static long addressOf(INDArray a) {
        Pointer p = a.data().addressPointer();
        return p.address() + p.position() * p.sizeof();
    }

    /** {@return the underlying gradient set (two-step norm + clipWithNorm, scale, per-tensor norms)} */
    public GradientSet gradientSet() {
        return set;
    }

    /** {@return the registered arrays, in order} */
    public List<INDArray> arrays() {
        return arrays;
    }

    /** Releases gradclip's buffers for these arrays (the arrays themselves are untouched). */
    @Override
    public void close() {
        set.close();
    }
}
