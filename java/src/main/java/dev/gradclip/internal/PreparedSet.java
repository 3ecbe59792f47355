package dev.gradclip.internal;

/** A gradient set ready for one engine's kernels. Not thread-safe: the caller serializes use. */
public interface PreparedSet extends AutoCloseable {
    /**
     * Runs one operation (codes from {@link Op}) and writes what it found into {@code result}, which the
     * caller has reset. Arguments are already validated; nothing is written to the gradients when the
     * non-finite policy forbids it.
     */
    void run(int mode, int nonFinite, int rule, double normType, double threshold, ResultState result);

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
