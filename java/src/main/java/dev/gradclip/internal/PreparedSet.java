package dev.gradclip.internal;

import dev.gradclip.Tensor;
import dev.gradclip.Units;

/** A gradient set ready for one engine's kernels. Not thread-safe: the caller serializes use. */
public interface PreparedSet extends AutoCloseable {
    /**
     * Runs one operation (codes from {@link Op}) and writes what it found into {@code result}, which the
     * caller has reset. Arguments are already validated; nothing is written to the gradients when the
     * non-finite policy forbids it.
     */
    void run(OpArgs op, ResultState result);

    /** Attaches each tensor's parameters and output units, for AGC; checked by the caller. */
    void attachUnits(Tensor[] parameters, Units[] units);

    /** Attaches the batch size and the output tensors, for the per-sample modes; checked by the caller. */
    void attachSamples(int batch, Tensor[] outputs);

    /** Runs later operations on CUDA stream {@code handle} (a {@code cudaStream_t}; 0 = the default stream). */
    default void useStream(long handle) {
        throw new UnsupportedOperationException("only the cuda backend runs on streams");
    }

    /** {@return the device address of the set's {@code gc_result} (cuda only)} */
    default long deviceResultAddress() {
        throw new UnsupportedOperationException("only the cuda backend keeps its result on a device");
    }

    /** Releases the set's native memory. */
    @Override
    void close();
}
