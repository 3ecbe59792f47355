package dev.gradclip.bench;

import java.util.List;

/**
 * A {@link Workload}'s copy in CUDA device memory for the cuda backend: the gradients, uploaded fresh
 * before each case ({@link #upload}); the parameters and per-sample inputs, uploaded once, since no mode
 * writes them.
 */
final class CudaWorkload implements AutoCloseable {
    private final CudaGradients grads;
    private final CudaGradients params;
    private final CudaGradients samples;
    private final int batch;

    CudaWorkload(Workload host) {
        CudaGradients g = new CudaGradients(host.grads());
        CudaGradients p = null;
        CudaGradients s = null;
        try {
            if (host.params() != null) {
                p = new CudaGradients(host.params());
                p.upload(host.params());
            }
            if (host.samples() != null) {
                s = new CudaGradients(host.samples());
                s.upload(host.samples());
            }
        } catch (RuntimeException | Error e) {
            for (CudaGradients c : new CudaGradients[] {s, p, g}) {
                if (c != null) {
                    c.close();
                }
            }
            throw e;
        }
        this.grads = g;
        this.params = p;
        this.samples = s;
        this.batch = host.batch();
    }

    /** Copies the host gradients (which should be pristine) to the device and waits. */
    void upload(Workload host) {
        grads.upload(host.grads());
    }

    /** {@return the device floor over the gradients' {@code bytes}: see {@link CudaGradients#measureFloor}} */
    MeasuredFloor measureFloor(long bytes, int warmup, int reps) {
        return grads.measureFloor(bytes, warmup, reps);
    }

    /** {@return the device tensors of every mode the host workload has data for} */
    Operands operands() {
        return new Operands(grads.tensors(), params == null ? List.of() : params.tensors(),
                samples == null ? List.of() : samples.tensors(), batch);
    }

    @Override
    public void close() {
        for (CudaGradients c : new CudaGradients[] {samples, params, grads}) {
            if (c != null) {
                c.close();
            }
        }
    }
}
