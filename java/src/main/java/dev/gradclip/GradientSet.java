package dev.gradclip;

import dev.gradclip.internal.Checks;
import dev.gradclip.internal.Op;
import dev.gradclip.internal.OpArgs;
import dev.gradclip.internal.PreparedSet;
import dev.gradclip.internal.ResultState;
import java.util.List;

/**
 * Gradient tensors registered once with a backend ({@link GradClip#register}); clipped every step.
 *
 * <p>Registration builds everything the kernels need (chunk table, buffers); a step then allocates
 * nothing on the Java heap and marshals nothing. The tensors' memory must stay valid while the set is
 * open. A set is not thread-safe: using it from two threads at once throws
 * {@link IllegalStateException}. Every check happens before any gradient is written: a failing call
 * never leaves a clip half-applied.
 */
public final class GradientSet implements AutoCloseable {
    private final Backend backend;
    private final List<Tensor> tensors;
    private final Tensor[] array;
    private final PreparedSet prepared;
    private final ResultState state;
    private final ClipResult result;
    private final String readOnlyTensor;
    private final OpArgs args = new OpArgs();
    private final SetGuard guard = new SetGuard("gradient set");
    /** The parameters attached for AGC; null until {@link #attachParameters}. */
    private Tensor[] parameters;

    GradientSet(Backend backend, Tensor[] tensors, PreparedSet prepared) {
        this.backend = backend;
        this.array = tensors;
        this.tensors = List.of(tensors);
        this.prepared = prepared;
        this.state = new ResultState(tensors.length);
        this.result = new ClipResult(state);
        String readOnly = null;
        for (Tensor t : tensors) {
            if (!t.isOnDevice() && t.data().isReadOnly()) {
                readOnly = t.name();
                break;
            }
        }
        this.readOnlyTensor = readOnly;
    }

    /**
     * Clips the gradients in place as {@code policy} says.
     *
     * @return this set's result, updated in place (see {@link ClipResult})
     * @throws NonFiniteGradientException under {@link NonFinitePolicy#ERROR} when a NaN or infinity was
     *     found; nothing was modified
     * @throws IllegalStateException if the set is closed, used concurrently, or a tensor's arena closed
     * @throws IllegalArgumentException if a tensor is read-only
     */
    public ClipResult clip(ClipPolicy policy) {
        Checks.requireNonNull("policy", policy);
        return switch (policy) {
            case ClipPolicy.GlobalNorm g -> run(Op.GLOBAL, g.nonFinite(), g.rule().code(), g.normType(), g.maxNorm());
            case ClipPolicy.PerTensorNorm t -> run(Op.PER_TENSOR, t.nonFinite(), t.rule().code(), t.normType(), t.maxNorm());
            case ClipPolicy.Value v -> run(Op.VALUE, v.nonFinite(), 0, 0.0, v.clipValue());
            case ClipPolicy.BlockRms b -> run(Op.BLOCK_RMS, b.nonFinite(), b.rule().code(), ClipPolicy.L2, b.maxRms());
            case ClipPolicy.Adaptive a -> {
                if (parameters == null) {
                    throw new IllegalStateException("adaptive clipping needs the parameters: call attachParameters first");
                }
                args.set(Op.AGC, a.nonFinite().code(), 0, ClipPolicy.L2, a.clipping()).eps = a.eps();
                yield run(a.nonFinite());
            }
        };
    }

    /**
     * Attaches, for {@linkplain ClipPolicy#adaptive adaptive clipping}, the parameters each gradient belongs
     * to and the gradient's output units; once, after registration (again if the parameters move). For
     * PyTorch-layout weights: {@code set.attachParameters(params, grads.stream().map(g -> Units.torch(g.shape())).toList())}.
     *
     * @param parameters one per gradient tensor, in registration order, each with the same element count
     *     and in the same kind of memory (host or device); any dtype; only read
     * @param units one per gradient tensor
     * @throws IllegalArgumentException if a list has the wrong size, an entry is null, counts differ, a
     *     unit count does not divide the elements, or the memory kind differs
     */
    public void attachParameters(List<Tensor> parameters, List<Units> units) {
        Checks.requireNonNull("parameters", parameters);
        Checks.requireNonNull("units", units);
        Checks.requireArgument(parameters.size() == array.length && units.size() == array.length, "attachParameters: "
                + parameters.size() + " parameters and " + units.size() + " units for " + array.length + " gradients");
        Tensor[] params = parameters.toArray(new Tensor[0]);
        Units[] unitArray = units.toArray(new Units[0]);
        for (int i = 0; i < array.length; i++) {
            Tensor g = array[i];
            Tensor p = Checks.requireNonNull("parameters of '" + g.name() + "'", params[i]);
            Units u = Checks.requireNonNull("units of '" + g.name() + "'", unitArray[i]);
            Checks.requireArgument(p.elementCount() == g.elementCount(), "parameters '" + p.name() + "' have "
                    + p.elementCount() + " elements, gradient '" + g.name() + "' has " + g.elementCount());
            Checks.requireArgument(p.isOnDevice() == g.isOnDevice(), "parameters '" + p.name() + "' must be in "
                    + (g.isOnDevice() ? "device" : "host") + " memory like gradient '" + g.name() + "'");
            Checks.requireArgument(g.elementCount() % u.count() == 0, "gradient '" + g.name() + "': " + u.count()
                    + " units do not divide its " + g.elementCount() + " elements");
        }
        SetGuard.requireAlive(params, "parameters");
        guard.acquire();
        try {
            prepared.attachUnits(params, unitArray);
            this.parameters = params;
        } finally {
            guard.release();
        }
    }

    /**
     * Computes the total and per-tensor p-norms without writing, as PyTorch's {@code get_total_norm}.
     * Combine with {@link #clipWithNorm} to reduce norms across processes between the two steps.
     *
     * @param normType p {@code > 0}, or {@link ClipPolicy#INF}
     * @throws IllegalArgumentException if {@code normType} is not {@code > 0}
     */
    public ClipResult norm(double normType) {
        Checks.requireNormType(normType);
        return run(Op.NORM, NonFinitePolicy.PROPAGATE, 0, normType, 0.0);
    }

    /**
     * Clips with a total norm computed elsewhere (e.g. all-reduced across processes), as PyTorch's
     * {@code clip_grads_with_norm_}: the coefficient follows from {@code totalNorm} and the policy's
     * threshold and rule, and is applied only when it is below 1. A non-finite {@code totalNorm} is
     * handled by the policy's {@link NonFinitePolicy}.
     *
     * @throws NonFiniteGradientException if {@code totalNorm} is NaN or infinite under ERROR
     */
    public ClipResult clipWithNorm(double totalNorm, ClipPolicy.GlobalNorm policy) {
        Checks.requireNonNull("policy", policy);
        double coef = policy.rule().coefficient(totalNorm, policy.maxNorm());
        boolean nonFinite = !Double.isFinite(totalNorm);
        if (nonFinite && policy.nonFinite() == NonFinitePolicy.ERROR) {
            throw new NonFiniteGradientException(totalNorm);
        }
        if ((nonFinite && policy.nonFinite() == NonFinitePolicy.SKIP) || coef >= 1.0) {
            guard.acquire();
            try {
                state.reset();
                state.totalNorm = totalNorm;
                state.coefficient = coef;
                state.nonFinite = nonFinite;
            } finally {
                guard.release();
            }
            return result;
        }
        run(Op.SCALE, NonFinitePolicy.PROPAGATE, 0, 0.0, coef);
        state.await();
        state.totalNorm = totalNorm;
        state.nonFinite = nonFinite;
        return result;
    }

    /**
     * Multiplies every gradient by {@code coefficient}; writes nothing when it is exactly 1.
     *
     * @throws IllegalArgumentException if {@code coefficient} is NaN or infinite
     */
    public ClipResult scale(double coefficient) {
        if (!Double.isFinite(coefficient)) { // not requireArgument: its message would be built every step
            throw new IllegalArgumentException("coefficient must be finite, got " + coefficient);
        }
        return run(Op.SCALE, NonFinitePolicy.PROPAGATE, 0, 0.0, coefficient);
    }

    private ClipResult run(int mode, NonFinitePolicy nonFinite, int rule, double normType, double threshold) {
        args.set(mode, nonFinite.code(), rule, normType, threshold);
        return run(nonFinite);
    }

    /** Runs the operation already in {@link #args}. */
    private ClipResult run(NonFinitePolicy nonFinite) {
        guard.acquire();
        try {
            checkTensors(args.mode);
            SetGuard.runOp(prepared, args, state,
                    nonFinite == NonFinitePolicy.ERROR && args.mode != Op.NORM && args.mode != Op.SCALE);
            return result;
        } finally {
            guard.release();
        }
    }

    private void checkTensors(int mode) {
        SetGuard.requireAlive(array, "tensor");
        if (mode == Op.AGC) {
            SetGuard.requireAlive(parameters, "parameters");
        }
        if (readOnlyTensor != null && Op.mayWrite(mode)) {
            throw new IllegalArgumentException("tensor '" + readOnlyTensor + "' is read-only; clipping writes to it");
        }
    }

    /**
     * Runs this set's later operations on a CUDA stream of the caller's (a raw {@code cudaStream_t},
     * e.g. a trainer's current stream; 0 for the default stream). Results are fetched, and the stream
     * synchronized, only when a {@link ClipResult} accessor is called.
     *
     * @throws UnsupportedOperationException on a host backend
     */
    public void useCudaStream(long stream) {
        guard.acquire();
        try {
            prepared.useStream(stream);
        } finally {
            guard.release();
        }
    }

    /**
     * {@return the device address of this set's {@code gc_result} struct (see gradclip.h), so a kernel
     * of the caller's (e.g. a fused optimizer step) can read the coefficient without a host round trip}
     *
     * @throws UnsupportedOperationException on a host backend
     */
    public long deviceResultAddress() {
        return prepared.deviceResultAddress();
    }

    /** {@return the backend this set runs on} */
    public Backend backend() {
        return backend;
    }

    /** {@return the tensors, in registration order (the order of per-tensor norms)} */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** {@return the number of tensors} */
    public int size() {
        return array.length;
    }

    /** {@return the result of the last operation, updated in place} */
    public ClipResult lastResult() {
        return result;
    }

    /** Releases the set's native memory; the tensors themselves are the caller's. Idempotent. */
    @Override
    public void close() {
        guard.close(prepared::close);
    }
}
