package dev.gradclip.bench.peers;

import dev.gradclip.bench.ClipKernel;
import dev.gradclip.bench.Mode;

/**
 * Clipping as a user writes it with a framework's per-array operations (PyTorch's foreach loop does
 * the same): each array's L2 norm, combined into the total, then an in-place scale or clamp per array,
 * with torch's coefficient rule {@code c / (n + 1e-6)}. Written once here; each peer supplies the three
 * per-array operations in its own framework.
 */
public abstract class PerArrayKernel implements ClipKernel {
    /** torch.nn.utils.clip_grad_norm_'s guard against a zero norm. */
    private static final double TORCH_EPS = 1e-6;

    private final Mode mode;
    private final int arrays;

    protected PerArrayKernel(Mode mode, int arrays) {
        this.mode = mode;
        this.arrays = arrays;
    }

    /** {@return the L2 norm of array {@code i}} */
    protected abstract double norm(int i);

    /** Multiplies array {@code i} by {@code coef} in place. */
    protected abstract void scale(int i, double coef);

    /** Clamps array {@code i} to {@code [-v, v]} in place. */
    protected abstract void clamp(int i, double v);

    @Override
    public final double run(double threshold) {
        switch (mode) {
            case NORM -> {
                return norm();
            }
            case GLOBAL_NOCLIP, GLOBAL_CLIP -> {
                double total = norm();
                double coef = threshold / (total + TORCH_EPS);
                if (coef < 1) {
                    for (int i = 0; i < arrays; i++) {
                        scale(i, coef);
                    }
                }
                return total;
            }
            case PER_TENSOR -> {
                double sum = 0;
                for (int i = 0; i < arrays; i++) {
                    double n = norm(i);
                    sum += n * n;
                    double coef = threshold / (n + TORCH_EPS);
                    if (coef < 1) {
                        scale(i, coef);
                    }
                }
                return Math.sqrt(sum);
            }
            case VALUE -> {
                for (int i = 0; i < arrays; i++) {
                    clamp(i, threshold);
                }
                return Double.NaN;
            }
            default -> throw new AssertionError(mode);
        }
    }

    @Override
    public final double norm() {
        double sum = 0;
        for (int i = 0; i < arrays; i++) {
            double n = norm(i);
            sum += n * n;
        }
        return Math.sqrt(sum);
    }

    @Override
    public void close() {}
}
