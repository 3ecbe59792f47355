package dev.gradclip.bench.peers;

import dev.gradclip.Tensor;
import dev.gradclip.bench.ClipKernel;
import dev.gradclip.bench.Mode;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Clipping as a user writes it with a framework's per-array operations (PyTorch's foreach loop does
 * the same): each array's L2 norm, combined into the total, then an in-place scale or clamp per array,
 * with torch's coefficient rule {@code c / (n + 1e-6)}; block RMS with Optax's {@code c / max(c, rms)}.
 * Written once here; each peer supplies the three per-array operations in its own framework.
 */
public abstract class PerArrayKernel implements ClipKernel {
    /** torch.nn.utils.clip_grad_norm_'s guard against a zero norm. */
    private static final double TORCH_EPS = 1e-6;

    /** The modes this kernel runs: a peer built on it supports these. */
    public static final Set<Mode> MODES = EnumSet.of(Mode.NORM, Mode.GLOBAL_NOCLIP, Mode.GLOBAL_CLIP, Mode.PER_TENSOR,
            Mode.VALUE, Mode.BLOCK_RMS);

    private final Mode mode;
    private final int arrays;
    /** Each array's element count, for block RMS. */
    private final long[] elements;

    /**
     * @param mode one of {@link #MODES}
     * @param elements each array's element count ({@link #elementCounts})
     */
    protected PerArrayKernel(Mode mode, long[] elements) {
        if (!MODES.contains(mode)) {
            throw new IllegalArgumentException("a per-array kernel does not run " + mode.cliName());
        }
        this.mode = mode;
        this.arrays = elements.length;
        this.elements = elements.clone();
    }

    /** {@return each tensor's element count} */
    public static long[] elementCounts(List<Tensor> tensors) {
        long[] counts = new long[tensors.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = tensors.get(i).elementCount();
        }
        return counts;
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
            case BLOCK_RMS -> {
                double sum = 0;
                for (int i = 0; i < arrays; i++) {
                    double n = norm(i);
                    sum += n * n;
                    double rms = n / Math.sqrt(elements[i]);
                    if (rms > threshold) {
                        scale(i, threshold / rms);
                    }
                }
                return Math.sqrt(sum);
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
