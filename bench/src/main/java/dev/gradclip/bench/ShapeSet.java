package dev.gradclip.bench;

import java.util.List;

/**
 * A named list of tensor shapes: what a gradient set of a model looks like.
 *
 * @param name the set's name in reports, e.g. "gpt2-124m"
 * @param tensors the shapes, in registration order
 */
public record ShapeSet(String name, List<TensorShape> tensors) {
    /** @throws IllegalArgumentException if the name is blank or there are no tensors */
    public ShapeSet {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a shape set needs a name");
        }
        tensors = List.copyOf(tensors);
        if (tensors.isEmpty()) {
            throw new IllegalArgumentException("shape set '" + name + "' has no tensors");
        }
    }

    /** {@return the total number of elements} */
    public long elementCount() {
        long n = 0;
        for (TensorShape t : tensors) {
            n = Math.addExact(n, t.elementCount());
        }
        return n;
    }

    /** {@return the bytes of the elements at {@code bytesPerElement} each, padding not counted} */
    public long byteSize(int bytesPerElement) {
        return Math.multiplyExact(elementCount(), (long) bytesPerElement);
    }
}
