package dev.gradclip.internal;

/** Argument and state checks, each throwing the exception its name promises with a message naming the problem. */
public final class Checks {
    private Checks() {}

    /** @throws IllegalArgumentException with {@code message} unless {@code condition} */
    public static void requireArgument(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** @throws IllegalStateException with {@code message} unless {@code condition} */
    public static void requireState(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    /** @throws IllegalArgumentException if {@code value} is null */
    public static <T> T requireNonNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /** @throws IllegalArgumentException unless {@code value} is finite and {@code >= 0} */
    public static void requireThreshold(String name, double value) {
        if (!(value >= 0.0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
    }

    /** @throws IllegalArgumentException unless {@code p > 0} (infinity allowed) */
    public static void requireNormType(double p) {
        if (!(p > 0.0)) {
            throw new IllegalArgumentException("normType must be > 0 (or infinity), got " + p);
        }
    }
}
