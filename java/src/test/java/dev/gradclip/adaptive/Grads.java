package dev.gradclip.adaptive;

import dev.gradclip.Backend;
import dev.gradclip.DType;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import dev.gradclip.Tensor;
import dev.gradclip.internal.cpu.CpuEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Small off-heap gradient sets with hand-chosen values, registered on one backend. */
final class Grads implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final GradClip clip;
    private final List<MemorySegment> segments = new ArrayList<>();
    private final List<DType> dtypes = new ArrayList<>();
    final GradientSet set;

    /** {@return the host backends that run here: JAVA always, CPU when its native library loads} */
    static Stream<Backend> backends() {
        return CpuEngine.unavailableReason() == null ? Stream.of(Backend.JAVA, Backend.CPU) : Stream.of(Backend.JAVA);
    }

    /** A set of fp64 tensors (exact arithmetic for hand-computed answers). */
    Grads(Backend backend, double[]... tensors) {
        this(backend, DType.F64, tensors);
    }

    Grads(Backend backend, DType dtype, double[]... tensors) {
        clip = backend == Backend.CPU ? GradClip.open(Backend.CPU, 2) : GradClip.open(backend);
        List<Tensor> list = new ArrayList<>();
        for (int t = 0; t < tensors.length; t++) {
            MemorySegment seg = arena.allocate(Math.max(1, tensors[t].length * dtype.byteSize()), 64);
            segments.add(seg);
            dtypes.add(dtype);
            list.add(Tensor.of("t" + t, seg, dtype, tensors[t].length));
        }
        for (int t = 0; t < tensors.length; t++) {
            fill(t, tensors[t]);
        }
        set = clip.register(list);
    }

    /** Overwrites tensor {@code t} with {@code values} (a new "backward pass"). */
    void fill(int t, double... values) {
        MemorySegment seg = segments.get(t);
        for (int i = 0; i < values.length; i++) {
            if (dtypes.get(t) == DType.F64) {
                seg.setAtIndex(ValueLayout.JAVA_DOUBLE, i, values[i]);
            } else {
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) values[i]);
            }
        }
    }

    /** {@return tensor {@code t}'s values} */
    double[] get(int t) {
        MemorySegment seg = segments.get(t);
        boolean f64 = dtypes.get(t) == DType.F64;
        int n = (int) set.tensors().get(t).elementCount();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = f64 ? seg.getAtIndex(ValueLayout.JAVA_DOUBLE, i) : seg.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        }
        return v;
    }

    @Override
    public void close() {
        set.close();
        clip.close();
        arena.close();
    }
}
