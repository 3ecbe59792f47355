package dev.gradclip;

import dev.gradclip.internal.Checks;
import dev.gradclip.internal.Op;
import dev.gradclip.internal.OpArgs;
import dev.gradclip.internal.PreparedSet;
import dev.gradclip.internal.ResultState;
import java.util.List;
import java.util.Objects;

/**
 * Per-sample gradients registered once with a backend ({@link GradClip#registerPerSample}) together with
 * the tensors that receive their clipped, noised aggregate every step: the fused core of DP-SGD.
 *
 * <p>Input tensor i holds {@code batch} samples of {@code k_i} elements each, sample-major (a leading
 * batch dimension, as Opacus's {@code grad_sample} and JAX's {@code vmap} produce them); output i has
 * {@code k_i} elements of any dtype. A step reads the inputs twice (norms, then the weighted sum) and
 * writes only the outputs; the inputs are never modified. Like {@link GradientSet}, a step allocates
 * nothing, a set is not thread-safe, and a failing call writes nothing.
 */
public final class PerSampleSet implements AutoCloseable {
    private final Backend backend;
    private final Tensor[] inputs;
    private final Tensor[] outputs;
    private final int batch;
    private final PreparedSet prepared;
    private final ResultState state;
    private final ClipResult result;
    private final OpArgs args = new OpArgs();
    private final SetGuard guard = new SetGuard("per-sample set");
    /** The mode of the last aggregation, so the norms are read with the right shape; -1 before the first. */
    private int lastMode = -1;

    PerSampleSet(Backend backend, Tensor[] inputs, int batch, Tensor[] outputs, PreparedSet prepared) {
        this.backend = backend;
        this.inputs = inputs;
        this.outputs = outputs;
        this.batch = batch;
        this.prepared = prepared;
        this.state = new ResultState(Math.multiplyExact(batch, inputs.length));
        this.result = new ClipResult(state);
    }

    /** Checks what {@link GradClip#registerPerSample} was given; throws naming the first problem. */
    static void check(Tensor[] inputs, int batch, Tensor[] outputs) {
        Checks.requireArgument(batch >= 1, "batch must be >= 1, got " + batch);
        Checks.requireArgument(outputs.length == inputs.length,
                outputs.length + " outputs for " + inputs.length + " per-sample tensors");
        Checks.requireArgument((long) batch * inputs.length <= Integer.MAX_VALUE - 8, "batch × tensors is too large");
        for (int i = 0; i < inputs.length; i++) {
            Tensor in = inputs[i];
            Tensor out = Checks.requireNonNull("output " + i, outputs[i]);
            Checks.requireArgument(in.elementCount() % batch == 0, "per-sample tensor '" + in.name() + "': batch " + batch
                    + " does not divide its " + in.elementCount() + " elements");
            Checks.requireArgument(out.elementCount() == in.elementCount() / batch, "output '" + out.name() + "' has "
                    + out.elementCount() + " elements; '" + in.name() + "' holds " + in.elementCount() / batch + " per sample");
            Checks.requireArgument(out.isOnDevice() == in.isOnDevice(), "output '" + out.name() + "' must be in "
                    + (in.isOnDevice() ? "device" : "host") + " memory like '" + in.name() + "'");
            Checks.requireArgument(out.isOnDevice() || !out.data().isReadOnly(), "output '" + out.name() + "' is read-only");
        }
        for (Tensor out : outputs) {
            for (Tensor in : inputs) {
                if (overlaps(out, in)) {
                    throw new IllegalArgumentException("output '" + out.name() + "' overlaps per-sample tensor '" + in.name() + "'");
                }
            }
            for (Tensor other : outputs) {
                if (other != out && overlaps(out, other)) {
                    throw new IllegalArgumentException("outputs '" + out.name() + "' and '" + other.name() + "' overlap");
                }
            }
        }
    }

    private static boolean overlaps(Tensor a, Tensor b) {
        if (a.byteSize() == 0 || b.byteSize() == 0) {
            return false;
        }
        if (a.isOnDevice() || a.data().isNative()) {
            long a0 = a.data().address();
            long b0 = b.data().address();
            return (b.isOnDevice() || b.data().isNative()) && a0 < b0 + b.byteSize() && b0 < a0 + a.byteSize();
        }
        return a.data().heapBase().isPresent() && a.data().heapBase().equals(b.data().heapBase())
                && a.data().address() < b.data().address() + b.byteSize()
                && b.data().address() < a.data().address() + a.byteSize();
    }

    /**
     * Clips every sample, sums, adds noise and divides, writing the outputs. Under ERROR and SKIP a NaN or
     * infinity in an input leaves the outputs untouched.
     *
     * @param seed key of this step's noise: use a new one every step (e.g. a counter mixed with a secret
     *     base); ignored without noise
     * @return this set's result, updated in place: {@code totalNorm} is the largest per-sample norm,
     *     {@code coefficient} the smallest, {@code clippedCount} the samples (FLAT) or (sample, tensor)
     *     pairs (PER_LAYER) that were clipped; the norms are readable with {@link #sampleNorm}
     * @throws NonFiniteGradientException under ERROR when a NaN or infinity was found
     * @throws IllegalStateException if the set is closed, used concurrently, or an arena was closed
     */
    public ClipResult aggregate(PerSampleClip policy, long seed) {
        Checks.requireNonNull("policy", policy);
        int mode = policy.scope() == PerSampleClip.Scope.FLAT ? Op.PER_SAMPLE_FLAT : Op.PER_SAMPLE_LAYER;
        guard.acquire();
        try {
            SetGuard.requireAlive(inputs, "per-sample tensor");
            SetGuard.requireAlive(outputs, "output");
            args.set(mode, policy.nonFinite().code(), policy.rule().code(), ClipPolicy.L2, policy.maxNorm());
            args.noiseMultiplier = policy.noiseMultiplier();
            args.divisor = policy.divisor();
            args.seed = seed;
            lastMode = mode;
            try {
                SetGuard.runOp(prepared, args, state, policy.nonFinite() == NonFinitePolicy.ERROR);
            } catch (NonFiniteGradientException e) {
                throw e; // the norms were computed: sampleNorm tells which sample was not finite
            } catch (RuntimeException | Error e) {
                lastMode = -1;
                throw e;
            }
            return result;
        } finally {
            guard.release();
        }
    }

    /**
     * {@return sample {@code b}'s norm over all tensors, from the last FLAT {@link #aggregate}}
     *
     * @throws IllegalStateException if the last aggregation was not FLAT
     */
    public double sampleNorm(int b) {
        Checks.requireState(lastMode == Op.PER_SAMPLE_FLAT, "the last aggregation was not FLAT");
        state.await();
        return state.tensorNorms[Objects.checkIndex(b, batch)];
    }

    /**
     * {@return the norm of sample {@code b} in tensor {@code i}, from the last PER_LAYER {@link #aggregate}}
     *
     * @throws IllegalStateException if the last aggregation was not PER_LAYER
     */
    public double sampleNorm(int b, int i) {
        Checks.requireState(lastMode == Op.PER_SAMPLE_LAYER, "the last aggregation was not PER_LAYER");
        state.await();
        return state.tensorNorms[Objects.checkIndex(b, batch) * inputs.length + Objects.checkIndex(i, inputs.length)];
    }

    /** {@return the batch size} */
    public int batchSize() {
        return batch;
    }

    /** {@return the per-sample tensors, in registration order} */
    public List<Tensor> inputs() {
        return List.of(inputs);
    }

    /** {@return the output tensors, in registration order} */
    public List<Tensor> outputs() {
        return List.of(outputs);
    }

    /** {@return the backend this set runs on} */
    public Backend backend() {
        return backend;
    }

    /** {@return the result of the last aggregation, updated in place} */
    public ClipResult lastResult() {
        return result;
    }

    /** Releases the set's native memory; the tensors are the caller's. Idempotent. */
    @Override
    public void close() {
        guard.close(prepared::close);
    }
}
