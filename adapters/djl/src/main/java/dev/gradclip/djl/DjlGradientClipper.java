package dev.gradclip.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.DType;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import dev.gradclip.Units;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Clips the gradients of a DJL model's parameters between {@code backward} and {@code step}.
 *
 * <pre>{@code
 * try (GradClip clip = GradClip.open();
 *      DjlGradientClipper clipper = new DjlGradientClipper(clip)) {
 *     ClipPolicy policy = ClipPolicy.globalNorm(1.0);
 *     for (Batch batch : trainer.iterateDataset(data)) {
 *         EasyTrain.trainBatch(trainer, batch);          // forward + backward
 *         clipper.clip(trainer, policy);                 // registers on the first call
 *         trainer.step();
 *         batch.close();
 *     }
 * }
 * }</pre>
 *
 * <p><b>Zero-copy or not.</b> For each gradient, {@code NDArray.toByteBuffer(true)} is asked for a
 * direct buffer. The PyTorch engine returns one over the tensor's own storage when the tensor is on
 * the CPU, dense and contiguous (a parameter's {@code .grad} always is); registration checks that it
 * really is the storage (two calls must give the same address, a temporary copy would not), and then
 * gradclip works in PyTorch's memory: nothing is copied, ever. Otherwise (a GPU tensor, another
 * engine whose buffer is a copy, a non-contiguous tensor) the gradient is staged: an off-heap buffer
 * allocated once at registration, filled from {@code toByteBuffer()} before each clip, and written
 * back with {@link NDArray#set(java.nio.Buffer)} only when the clip changed it.
 * {@link #zeroCopyCount()} tells how many were zero-copy.
 *
 * <p>{@link ClipPolicy#adaptive} (AGC) works too: registration through the trainer or
 * {@link #register(List)} binds each gradient's weights as well, with timm's units (rows of the first
 * dimension, which is DJL's output dimension for {@code Linear} and {@code Conv} weights).
 *
 * <p>Registration is per parameter set: the gradients of {@code parameter.getArray()} on a
 * single-device trainer, taken after the first backward (before it PyTorch has no gradient
 * tensors). PyTorch accumulates into and zeroes these tensors in place, so their storage stays
 * the same for the life of the trainer. Not thread-safe.
 */
public final class DjlGradientClipper implements AutoCloseable {
    private final GradClip clip;
    private final boolean stageAll;
    private Registration registration;

    /** @param clip the gradclip backend (a host one: cpu or java); stays owned by the caller */
    public DjlGradientClipper(GradClip clip) {
        this(clip, false);
    }

    /** Test knob: {@code stageAll} stages every gradient, as for an engine without in-place buffers. */
    DjlGradientClipper(GradClip clip, boolean stageAll) {
        this.clip = Objects.requireNonNull(clip, "clip");
        this.stageAll = stageAll;
    }

    /**
     * Clips the gradients of {@code trainer}'s model in place; registers them on the first call.
     *
     * @return the result of the clip (updated in place by the next call)
     * @throws IllegalStateException if the trainer has more than one device, or a parameter that needs a
     *     gradient has none yet (call it after backward)
     */
    public ClipResult clip(Trainer trainer, ClipPolicy policy) {
        Objects.requireNonNull(trainer, "trainer");
        if (registration == null) {
            Device[] devices = trainer.getDevices();
            if (devices.length != 1) {
                throw new IllegalStateException("DjlGradientClipper supports single-device trainers; this one has "
                        + devices.length + " devices (clip each device's gradients with register(...) instead)");
            }
            List<Pair<String, Parameter>> params = new ArrayList<>();
            for (Pair<String, Parameter> p : trainer.getModel().getBlock().getParameters()) {
                if (p.getValue().requiresGradient()) {
                    params.add(p);
                }
            }
            register(params);
        }
        return clip(policy);
    }

    /**
     * Registers the gradients of {@code parameters} (those that require one) and their weights (so
     * {@link ClipPolicy#adaptive} can run), replacing any earlier registration. Call after a backward pass.
     *
     * @throws IllegalStateException if a parameter has no gradient yet
     */
    public void register(List<Pair<String, Parameter>> parameters) {
        Objects.requireNonNull(parameters, "parameters");
        List<String> names = new ArrayList<>();
        List<NDArray> grads = new ArrayList<>();
        List<NDArray> weights = new ArrayList<>();
        for (Pair<String, Parameter> p : parameters) {
            Parameter parameter = p.getValue();
            if (!parameter.requiresGradient()) {
                continue;
            }
            NDArray array = parameter.getArray();
            if (!array.hasGradient()) {
                throw new IllegalStateException("parameter '" + p.getKey() + "' has no gradient yet: register after backward");
            }
            names.add(p.getKey());
            grads.add(array.getGradient());
            weights.add(array);
        }
        checkArrays(names, grads);
        closeRegistration();
        registration = new Registration(clip, names, grads, weights, stageAll);
    }

    /**
     * Registers gradient arrays directly (e.g. those of one device of a multi-device trainer),
     * replacing any earlier registration. The arrays must stay open while registered.
     */
    public void registerArrays(List<String> names, List<NDArray> gradients) {
        checkArrays(names, gradients);
        closeRegistration();
        registration = new Registration(clip, names, gradients, null, stageAll);
    }

    private static void checkArrays(List<String> names, List<NDArray> gradients) {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(gradients, "gradients");
        if (names.size() != gradients.size() || gradients.isEmpty()) {
            throw new IllegalArgumentException("need as many names as gradients, and at least one (got "
                    + names.size() + " names, " + gradients.size() + " gradients)");
        }
    }

    /**
     * Clips the registered gradients in place.
     *
     * @throws IllegalStateException if nothing is registered
     */
    public ClipResult clip(ClipPolicy policy) {
        if (registration == null) {
            throw new IllegalStateException("no gradients registered: call clip(trainer, policy) or register(...) first");
        }
        return registration.clip(policy);
    }

    /** {@return how many registered gradients gradclip reads in place (the others are staged)} */
    public int zeroCopyCount() {
        return registration == null ? 0 : registration.zeroCopy;
    }

    /** {@return how many gradients are registered} */
    public int size() {
        return registration == null ? 0 : registration.gradients.tensors().size();
    }

    /** {@return the underlying gradient set (norm, clipWithNorm, per-tensor norms); null before registration} */
    public GradientSet gradientSet() {
        return registration == null ? null : registration.set;
    }

    /**
     * {@return gradclip's dtype for a DJL dtype}
     *
     * @throws IllegalArgumentException for a dtype other than FLOAT32, FLOAT64, FLOAT16, BFLOAT16
     */
    public static DType dtype(DataType type) {
        return switch (type) {
            case FLOAT32 -> DType.F32;
            case FLOAT64 -> DType.F64;
            case FLOAT16 -> DType.F16;
            case BFLOAT16 -> DType.BF16;
            default -> throw new IllegalArgumentException("DJL dtype " + type
                    + " is not a gradient type gradclip supports (FLOAT32, FLOAT64, FLOAT16, BFLOAT16)");
        };
    }

    private void closeRegistration() {
        if (registration != null) {
            registration.close();
            registration = null;
        }
    }

    /** Releases gradclip's buffers and the staging memory; the gradients are untouched. */
    @Override
    public void close() {
        closeRegistration();
    }

    /** One registered parameter set: the gradients (and weights, for AGC) bound as tensors, and the set. */
    private static final class Registration implements AutoCloseable {
        private final Arena staging = Arena.ofShared();
        private final ArrayBinding gradients;
        private final ArrayBinding weights;   // null when registered from bare gradient arrays
        private final GradientSet set;
        private final int zeroCopy;

        Registration(GradClip clip, List<String> names, List<NDArray> gradients, List<NDArray> weights, boolean stageAll) {
            try {
                this.gradients = new ArrayBinding(names, gradients, stageAll, staging);
                this.weights = weights == null ? null : new ArrayBinding(names, weights, stageAll, staging);
                this.zeroCopy = this.gradients.zeroCopyCount();
                this.set = clip.register(this.gradients.tensors());
                if (this.weights != null) {
                    // DJL's weights are laid out as PyTorch's ([out, in, ...]), so timm's units fit.
                    set.attachParameters(this.weights.tensors(),
                            this.gradients.tensors().stream().map(t -> Units.torch(t.shape())).toList());
                }
            } catch (RuntimeException e) {
                staging.close();
                throw e;
            }
        }

        ClipResult clip(ClipPolicy policy) {
            if (policy instanceof ClipPolicy.Adaptive) {
                if (weights == null) {
                    throw new IllegalStateException("adaptive clipping needs the weights: register through "
                            + "clip(trainer, policy) or register(parameters), not registerArrays");
                }
                weights.refresh();
            }
            gradients.refresh();
            ClipResult r = set.clip(policy);
            if (r.clipped()) {
                gradients.writeBack();
            }
            return r;
        }

        @Override
        public void close() {
            set.close();
            staging.close();
        }
    }
}
