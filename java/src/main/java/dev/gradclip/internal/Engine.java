package dev.gradclip.internal;

import dev.gradclip.Backend;
import dev.gradclip.Tensor;

/** One loaded backend: prepares gradient sets for its kernels. Implementations refuse in their factories. */
public interface Engine extends AutoCloseable {
    /** {@return which backend this is} */
    Backend backend();

    /** {@return a one-line description, e.g. "cpu (avx512, 2 threads)"} */
    String description();

    /** {@return tensors prepared for this engine's kernels: chunk table built, buffers allocated, once} */
    PreparedSet prepare(Tensor[] tensors, long chunkElements);

    /** Releases the engine's threads and memory; sets prepared by it must be closed first. */
    @Override
    void close();
}
