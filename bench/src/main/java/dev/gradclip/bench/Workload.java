package dev.gradclip.bench;

import dev.gradclip.DType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * The host data of one set and dtype: the gradients and, where the modes need them, AGC's parameters (a
 * second set of the same shapes and dtype) and the per-sample inputs ({@code batch} samples of every
 * tensor). The parameters and inputs are filled once: no mode writes them. The per-sample modes write
 * their aggregate into the gradients, which serve as their outputs.
 */
public final class Workload implements AutoCloseable {
    /** The per-sample inputs get at most this many bytes unless one sample alone is larger. */
    public static final long SAMPLE_BUDGET = 1_200_000_000L;

    private final HostGradients grads;
    private final HostGradients params;
    private final HostGradients samples;
    private final int batch;

    private Workload(HostGradients grads, HostGradients params, HostGradients samples, int batch) {
        this.grads = grads;
        this.params = params;
        this.samples = samples;
        this.batch = batch;
    }

    /**
     * {@return the data {@code modes} need, allocated; the parameters and inputs filled, the gradients not
     * yet}
     *
     * @param keepSnapshot whether the gradients keep a copy of their first fill (see {@link HostGradients})
     * @param batch the per-sample inputs' samples ({@link #fitBatch}); ignored without a per-sample mode
     */
    public static Workload allocate(ShapeSet shapes, DType dtype, boolean keepSnapshot, Collection<Mode> modes, int batch,
            Workers workers) {
        List<HostGradients> made = new ArrayList<>();
        try {
            HostGradients grads = track(made, HostGradients.allocate(shapes, dtype, keepSnapshot));
            HostGradients params = null;
            if (modes.stream().anyMatch(Mode::needsParameters)) {
                params = track(made, HostGradients.allocateStream(shapes, dtype, HostGradients.PARAMETERS));
                params.ensurePristine(workers);
            }
            HostGradients samples = null;
            if (modes.stream().anyMatch(Mode::perSample)) {
                samples = track(made, HostGradients.allocateStream(sampleShapes(shapes, batch), dtype, HostGradients.SAMPLES));
                samples.ensurePristine(workers);
            }
            return new Workload(grads, params, samples, samples == null ? 0 : batch);
        } catch (RuntimeException | Error e) {
            made.forEach(HostGradients::close);
            throw e;
        }
    }

    /**
     * {@return the host bytes {@link #allocate} takes beside the gradients' slab and snapshot: the
     * parameters' and inputs' slabs, as far as {@code modes} need them}
     */
    public static long extraBytes(ShapeSet shapes, DType dtype, Collection<Mode> modes, int batch) {
        long bytes = 0;
        if (modes.stream().anyMatch(Mode::needsParameters)) {
            bytes += HostGradients.slabBytes(shapes, dtype);
        }
        if (modes.stream().anyMatch(Mode::perSample)) {
            bytes += HostGradients.slabBytes(sampleShapes(shapes, batch), dtype);
        }
        return bytes;
    }

    /**
     * {@return the per-sample batch: {@code requested}, reduced so that the inputs (batch samples of
     * {@code setBytes} each) stay within {@code budget}, but 1 at least}
     */
    public static int fitBatch(int requested, long setBytes, long budget) {
        return (int) Math.max(1, Math.min(requested, budget / Math.max(1, setBytes)));
    }

    /** {@return what {@link #fitBatch} did, to print when it reduced the batch, or null when it did not} */
    public static String batchNote(int requested, int batch, long setBytes, long budget) {
        if (batch >= requested) {
            return null;
        }
        return String.format(Locale.ROOT, "per-sample: batch %d, not %d: %d samples of %.1f MB would pass the %.1f GB budget"
                + " of the inputs", batch, requested, requested, setBytes / 1e6, budget / 1e9);
    }

    /** {@return the shapes of the per-sample inputs: each tensor with a leading batch dimension} */
    static ShapeSet sampleShapes(ShapeSet shapes, int batch) {
        List<TensorShape> list = new ArrayList<>(shapes.tensors().size());
        for (TensorShape t : shapes.tensors()) {
            long[] dims = t.dims();
            long[] batched = new long[dims.length + 1];
            batched[0] = batch;
            System.arraycopy(dims, 0, batched, 1, dims.length);
            list.add(new TensorShape(t.name(), batched));
        }
        return new ShapeSet(shapes.name() + "-samples", list);
    }

    /** {@return the gradients (the per-sample modes' outputs)} */
    public HostGradients grads() {
        return grads;
    }

    /** {@return AGC's parameters, or null when no mode here needs them} */
    public HostGradients params() {
        return params;
    }

    /** {@return the per-sample inputs, or null when no mode here needs them} */
    public HostGradients samples() {
        return samples;
    }

    /** {@return the per-sample inputs' samples; 0 without them} */
    public int batch() {
        return batch;
    }

    /** {@return the host tensors of every mode here} */
    public Operands operands() {
        return new Operands(grads.tensors(), params == null ? List.of() : params.tensors(),
                samples == null ? List.of() : samples.tensors(), batch);
    }

    @Override
    public void close() {
        for (HostGradients h : new HostGradients[] {samples, params, grads}) {
            if (h != null) {
                h.close();
            }
        }
    }

    private static HostGradients track(List<HostGradients> made, HostGradients h) {
        made.add(h);
        return h;
    }
}
