package dev.gradclip;

import dev.gradclip.internal.Checks;

/**
 * The output units of one tensor, for {@linkplain ClipPolicy#adaptive unit-wise adaptive clipping}: which
 * elements form one unit whose norm is compared with its parameters' norm (docs/SEMANTICS.md, AGC).
 *
 * <p>{@link #torch} and {@link #optax} derive the units from a tensor's shape the way timm's
 * {@code adaptive_clip_grad} and Optax's {@code adaptive_grad_clip} do, for their frameworks' weight
 * layouts.
 *
 * @param layout how the units lie in memory
 * @param count the number of units; 1 for {@link Layout#WHOLE}
 */
public record Units(Layout layout, long count) {
    /** How a tensor's units lie in its row-major memory. */
    public enum Layout {
        /** The whole tensor is one unit (scalars, biases, gains). */
        WHOLE,
        /** {@code [count, n/count]}: units are consecutive rows (output dimension first, PyTorch). */
        ROWS,
        /** {@code [n/count, count]}: unit u is every count-th element from u (output dimension last, JAX). */
        COLUMNS
    }

    /** @throws IllegalArgumentException if {@code count < 1}, or WHOLE with a count other than 1 */
    public Units {
        Checks.requireNonNull("layout", layout);
        Checks.requireArgument(count >= 1, "units: count must be >= 1, got " + count);
        Checks.requireArgument(layout != Layout.WHOLE || count == 1, "units: WHOLE has exactly 1 unit, got " + count);
    }

    /** {@return the whole tensor as one unit} */
    public static Units whole() {
        return new Units(Layout.WHOLE, 1);
    }

    /** {@return {@code count} units that are consecutive rows} */
    public static Units rows(long count) {
        return new Units(Layout.ROWS, count);
    }

    /** {@return {@code count} units that are the columns of a row-major {@code [n/count, count]} matrix} */
    public static Units columns(long count) {
        return new Units(Layout.COLUMNS, count);
    }

    /**
     * {@return the units timm uses for a PyTorch tensor of this shape: the whole tensor for 0 or 1
     * dimensions, otherwise one unit per index of the first (output) dimension}
     *
     * @throws IllegalArgumentException if a dimension is negative
     */
    public static Units torch(long... shape) {
        requireShape(shape);
        return shape.length <= 1 ? whole() : rows(Math.max(1, shape[0]));
    }

    /**
     * {@return the units Optax uses for a JAX tensor of this shape: the whole tensor when it has at most
     * one dimension other than 1; otherwise the sum runs over the first axis (2-D {@code [in,out]}, 3-D
     * {@code [in,heads,dim]}) or the first three (4-D HWIO), so the units are the remaining columns}
     *
     * @throws IllegalArgumentException if a dimension is negative, or the tensor has more than 4 dimensions
     *     (Optax refuses those too)
     */
    public static Units optax(long... shape) {
        requireShape(shape);
        int squeezed = 0;
        for (long d : shape) {
            squeezed += d == 1 ? 0 : 1;
        }
        if (squeezed <= 1) {
            return whole();
        }
        return switch (shape.length) {
            case 2 -> columns(Math.max(1, shape[1]));
            case 3 -> columns(Math.max(1, shape[1] * shape[2]));
            case 4 -> columns(Math.max(1, shape[3]));
            default -> throw new IllegalArgumentException(
                    "units: Optax's unitwise norm takes at most 4 dimensions, got " + shape.length);
        };
    }

    private static void requireShape(long[] shape) {
        Checks.requireNonNull("shape", shape);
        for (long d : shape) {
            Checks.requireArgument(d >= 0, "units: negative dimension " + d + " in the shape");
        }
    }
}
