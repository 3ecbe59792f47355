package dev.gradclip;

import dev.gradclip.internal.ResultState;
import java.util.Arrays;
import java.util.Objects;

/**
 * What the last operation on a {@link GradientSet} found and did.
 *
 * <p>Each set owns one {@code ClipResult} and updates it in place on every operation, so a training
 * step allocates nothing: read what you need before the next call on the same set, or take a
 * {@link #snapshot()}. On the {@code cuda} backend the values stay on the device until the first
 * accessor is called, which synchronizes the set's stream (and only that stream).
 */
public final class ClipResult {
    private final ResultState state;

    ClipResult(ResultState state) {
        this.state = state;
    }

    /**
     * {@return the L2 (or p-) norm over all tensors before clipping; the largest per-sample norm after a
     * per-sample aggregation; NaN after a value clip or a scale}
     */
    public double totalNorm() {
        state.await();
        return state.totalNorm;
    }

    /**
     * {@return the coefficient: of the total norm (global clip), the smallest per-tensor, per-unit or
     * per-sample one (per-tensor, block RMS, adaptive, per-sample), the one given (scale); 1 otherwise}
     */
    public double coefficient() {
        state.await();
        return state.coefficient;
    }

    /** {@return true when the operation wrote to the gradients} */
    public boolean clipped() {
        state.await();
        return state.clipped;
    }

    /**
     * {@return how much was clipped: 1 or 0 (global clip, scale), tensors written (per-tensor, block RMS),
     * units written (adaptive), elements changed (value clip), samples or (sample, tensor) pairs clipped
     * (per-sample FLAT or PER_LAYER)}
     */
    public long clippedCount() {
        state.await();
        return state.clippedCount;
    }

    /** {@return true when a NaN or an infinity was seen in the gradients (not checked by scale)} */
    public boolean nonFinite() {
        state.await();
        return state.nonFinite;
    }

    /**
     * {@return true when norms are available: per tensor after norm, global, per-tensor, block RMS (the
     * RMS) and adaptive clips; per sample after a {@link PerSampleSet#aggregate} (FLAT: one per sample;
     * PER_LAYER: one per sample and tensor at {@code b · tensors + i})}
     */
    public boolean hasTensorNorms() {
        state.await();
        return state.normCount > 0;
    }

    /**
     * {@return the norm of tensor {@code index} before clipping}
     *
     * @throws IllegalStateException if the last operation computed no per-tensor norms
     * @throws IndexOutOfBoundsException if {@code index} is not a tensor of the set
     */
    public double tensorNorm(int index) {
        requireTensorNorms();
        return state.tensorNorms[Objects.checkIndex(index, state.normCount)];
    }

    /**
     * Copies every tensor's norm into {@code destination} (allocation-free).
     *
     * @throws IllegalStateException if the last operation computed no per-tensor norms
     * @throws IllegalArgumentException if {@code destination} is shorter than the number of tensors
     */
    public void copyTensorNorms(double[] destination) {
        requireTensorNorms();
        if (destination == null || destination.length < state.normCount) {
            throw new IllegalArgumentException("destination needs " + state.normCount + " entries");
        }
        System.arraycopy(state.tensorNorms, 0, destination, 0, state.normCount);
    }

    /** {@return an immutable copy of this result} */
    public Snapshot snapshot() {
        state.await();
        return new Snapshot(state.totalNorm, state.coefficient, state.clipped, state.clippedCount, state.nonFinite,
                state.normCount > 0 ? Arrays.copyOf(state.tensorNorms, state.normCount) : null);
    }

    private void requireTensorNorms() {
        state.await();
        if (state.normCount == 0) {
            throw new IllegalStateException("the last operation computed no per-tensor norms");
        }
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }

    /**
     * An immutable copy of a {@link ClipResult}.
     *
     * @param tensorNorms per-tensor norms, or null when the operation computed none
     */
    public record Snapshot(double totalNorm, double coefficient, boolean clipped, long clippedCount, boolean nonFinite,
            double[] tensorNorms) {
        @Override
        public String toString() {
            return "ClipResult[totalNorm=" + totalNorm + ", coefficient=" + coefficient + ", clipped=" + clipped
                    + ", clippedCount=" + clippedCount + ", nonFinite=" + nonFinite
                    + (tensorNorms == null ? "" : ", tensorNorms=" + Arrays.toString(tensorNorms)) + "]";
        }
    }
}
