package dev.gradclip.bench;

import dev.gradclip.DeviceMemory;
import dev.gradclip.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A host set's copy in CUDA device memory, laid out as the host slab, for the cuda backend; and the
 * device floor over its bytes.
 */
final class CudaGradients implements AutoCloseable {
    private final DeviceMemory slab;
    private final List<Tensor> tensors;

    /** Allocates device memory for {@code host}'s layout (not filled yet: {@link #upload}). */
    CudaGradients(HostGradients host) {
        this.slab = DeviceMemory.allocate(host.slab().byteSize());
        List<Tensor> list = new ArrayList<>();
        long base = host.slab().address();
        for (Tensor t : host.tensors()) {
            long offset = t.data().address() - base;
            list.add(Tensor.onDevice(t.name(), DeviceMemory.wrap(slab.address() + offset, t.byteSize()), t.dtype(), t.shape()));
        }
        this.tensors = List.copyOf(list);
    }

    /** Copies the host slab (which should be pristine) to the device and waits. */
    void upload(HostGradients host) {
        slab.copyFrom(host.slab());
    }

    /** {@return the device tensors, in the host set's order} */
    List<Tensor> tensors() {
        return tensors;
    }

    /**
     * {@return the device floor over {@code bytes}: device-to-device copies (cudaMemcpy, synchronous)
     * into a scratch buffer} No read-only kernel is reachable from Java, so the read bandwidth is taken
     * to be the copy bandwidth (bytes read and written counted): the read-only modes' % of floor is then
     * an estimate, and may pass 100.
     */
    MeasuredFloor measureFloor(long bytes, int warmup, int reps) {
        try (DeviceMemory scratch = DeviceMemory.allocate(bytes)) {
            long[] nanos = new long[reps];
            for (int i = -warmup; i < reps; i++) {
                long t0 = System.nanoTime();
                scratch.copyFrom(slab, bytes);
                long elapsed = System.nanoTime() - t0;
                if (i >= 0) {
                    nanos[i] = elapsed;
                }
            }
            Stats copy = Stats.ofNanos(nanos, reps);
            double copyGbPerS = 2.0 * bytes / (copy.medianMs() * 1e6);
            return new MeasuredFloor(new Floor(copyGbPerS, copyGbPerS, "cuda device: copy = device-to-device cudaMemcpy; "
                    + "read = copy bandwidth (estimate: no read-only kernel is reachable from Java); median of " + reps),
                    null, copy, null);
        }
    }

    @Override
    public void close() {
        slab.close();
    }
}
