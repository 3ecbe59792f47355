package dev.gradclip;

import dev.gradclip.internal.Checks;
import dev.gradclip.internal.Engine;
import dev.gradclip.internal.Engines;
import dev.gradclip.internal.PreparedSet;
import java.util.List;
import java.util.Map;

/**
 * Entry point: one backend, opened once, with which gradient sets are registered.
 *
 * <pre>{@code
 * try (GradClip clip = GradClip.open();                       // cpu if it loads, else java
 *      GradientSet grads = clip.register(tensors)) {
 *     ClipPolicy policy = ClipPolicy.globalNorm(1.0);
 *     for (...) {                                              // every training step
 *         ClipResult r = grads.clip(policy);                   // no allocation, no marshalling
 *     }
 * }
 * }</pre>
 *
 * <p>Thread-safe: several sets of one {@code GradClip} may be used from different threads (the cpu
 * backend runs their kernels one at a time on its shared pool).
 */
public final class GradClip implements AutoCloseable {
    /** Test knob: chunk size in elements for sets registered from now on (0: the backend's default). */
    static final String CHUNK_PROPERTY = "gradclip.chunkElements";

    private final Engine engine;

    private GradClip(Engine engine) {
        this.engine = engine;
    }

    /** {@return the best host backend that loads ({@link Backend#AUTO}), with one thread per core} */
    public static GradClip open() {
        return open(Backend.AUTO, 0);
    }

    /**
     * {@return the backend asked for, with one thread per core}
     *
     * @throws BackendUnavailableException if that backend cannot run here (never for JAVA or AUTO)
     */
    public static GradClip open(Backend backend) {
        return open(backend, 0);
    }

    /**
     * {@return the backend asked for}
     *
     * @param threads worker threads for the cpu backend, the caller's included (0: one per hardware
     *     thread); ignored by the others
     * @throws BackendUnavailableException if that backend cannot run here (never for JAVA or AUTO)
     * @throws IllegalArgumentException if {@code threads} is negative
     */
    public static GradClip open(Backend backend, int threads) {
        Checks.requireNonNull("backend", backend);
        Checks.requireArgument(threads >= 0, "threads must be >= 0, got " + threads);
        return new GradClip(Engines.open(backend, threads));
    }

    /**
     * {@return for each backend, "available: ..." or "unavailable: <reason>"} Loads the native
     * libraries if they were not loaded yet; never throws for a backend that cannot run.
     */
    public static Map<Backend, String> availability() {
        return Engines.availability();
    }

    /** {@return the backend in use (never AUTO)} */
    public Backend backend() {
        return engine.backend();
    }

    /** {@return a one-line description of the backend, e.g. "cpu (avx512, 2 threads)"} */
    public String description() {
        return engine.description();
    }

    /**
     * Registers gradient tensors: builds the chunk table and buffers once.
     *
     * @throws IllegalArgumentException if there are no tensors, one is null, a host tensor is given to
     *     the cuda backend or a device tensor to a host backend, or a tensor's arena is closed
     */
    public GradientSet register(List<Tensor> tensors) {
        Checks.requireNonNull("tensors", tensors);
        Tensor[] array = checkedTensors(tensors);
        return new GradientSet(engine.backend(), array, engine.prepare(array, chunkElements()));
    }

    private Tensor[] checkedTensors(List<Tensor> tensors) {
        Tensor[] array = tensors.toArray(new Tensor[0]);
        Checks.requireArgument(array.length > 0, "a gradient set needs at least one tensor");
        boolean wantDevice = engine.backend() == Backend.CUDA;
        for (int i = 0; i < array.length; i++) {
            Tensor t = Checks.requireNonNull("tensor " + i, array[i]);
            if (t.isOnDevice() != wantDevice) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' is in " + (t.isOnDevice()
                        ? "CUDA device memory; register it with GradClip.open(Backend.CUDA)"
                        : "host memory; the cuda backend needs device memory (DeviceMemory, Tensor.onDevice)"));
            }
            Checks.requireArgument(t.isOnDevice() || t.data().scope().isAlive(),
                    "tensor '" + t.name() + "': its arena is already closed");
        }
        return array;
    }

    private static long chunkElements() {
        long chunk = Long.getLong(CHUNK_PROPERTY, 0L);
        Checks.requireArgument(chunk >= 0, CHUNK_PROPERTY + " must be >= 0, got " + chunk);
        return chunk;
    }

    /**
     * Registers per-sample gradients and the tensors that receive their clipped aggregate, for
     * differential privacy (see {@link PerSampleSet}); tables and buffers are built once, here.
     *
     * @param perSample tensors with a leading batch dimension: {@code batch} samples of {@code k_i}
     *     elements each, sample-major; only read
     * @param batch the number of samples, {@code >= 1}, dividing every tensor's element count
     * @param outputs one per input, {@code k_i} elements of any dtype, writable, overlapping nothing
     * @throws IllegalArgumentException if a count, placement or overlap is wrong (the message names the tensor)
     */
    public PerSampleSet registerPerSample(List<Tensor> perSample, int batch, List<Tensor> outputs) {
        Checks.requireNonNull("perSample", perSample);
        Checks.requireNonNull("outputs", outputs);
        Tensor[] in = checkedTensors(perSample);
        Tensor[] out = checkedTensors(outputs);
        PerSampleSet.check(in, batch, out);
        PreparedSet prepared = engine.prepare(in, chunkElements());
        try {
            prepared.attachSamples(batch, out);
        } catch (RuntimeException | Error e) {
            prepared.close();
            throw e;
        }
        return new PerSampleSet(engine.backend(), in, batch, out, prepared);
    }

    /** Registers gradient tensors; see {@link #register(List)}. */
    public GradientSet register(Tensor... tensors) {
        Checks.requireNonNull("tensors", tensors);
        return register(java.util.Arrays.asList(tensors));
    }

    /** Stops the backend's threads. Close the sets registered with it first. */
    @Override
    public void close() {
        engine.close();
    }

    @Override
    public String toString() {
        return "GradClip[" + description() + "]";
    }
}
