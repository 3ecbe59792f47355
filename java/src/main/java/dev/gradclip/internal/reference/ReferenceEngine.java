package dev.gradclip.internal.reference;

import dev.gradclip.Backend;
import dev.gradclip.Tensor;
import dev.gradclip.internal.Engine;
import dev.gradclip.internal.PreparedSet;

/** The pure-Java backend: plain sequential loops in fp64; the oracle of the parity tests. */
public final class ReferenceEngine implements Engine {
    @Override
    public Backend backend() {
        return Backend.JAVA;
    }

    @Override
    public String description() {
        return "java (reference: sequential fp64 loops)";
    }

    @Override
    public PreparedSet prepare(Tensor[] tensors, long chunkElements) {
        return new ReferenceSet(tensors);
    }

    @Override
    public void close() {}
}
