package dev.gradclip.bench;

import java.util.Arrays;

/**
 * A named tensor shape of a benchmark set.
 *
 * @param name the tensor's name, e.g. "h.0.attn.c_attn.weight"
 * @param dims the dimensions, each {@code >= 1}; none for a scalar
 */
public record TensorShape(String name, long... dims) {
    /** @throws IllegalArgumentException if the name is blank or a dimension is below 1 */
    public TensorShape {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a tensor needs a name");
        }
        dims = dims.clone();
        for (long d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("tensor '" + name + "': dimension " + d + " is below 1");
            }
        }
    }

    /** {@return the number of elements, the product of the dimensions} */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    /** {@return the dimensions as the shape files write them, e.g. "768x3072"; "1" for a scalar} */
    public String dimsText() {
        if (dims.length == 0) {
            return "1";
        }
        StringBuilder b = new StringBuilder();
        for (long d : dims) {
            b.append(b.isEmpty() ? "" : "x").append(d);
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorShape t && t.name.equals(name) && Arrays.equals(t.dims, dims);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return name + " " + dimsText();
    }
}
