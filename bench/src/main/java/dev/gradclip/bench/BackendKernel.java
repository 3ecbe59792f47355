package dev.gradclip.bench;

import dev.gradclip.ClipPolicy;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import dev.gradclip.PerSampleClip;
import dev.gradclip.PerSampleSet;

/**
 * A gradclip backend running one mode on a registered set. The policies are immutable, so a new one
 * per run is the only allocation; timing covers the call and the result read, which on cuda waits for
 * the kernels.
 */
final class BackendKernel implements ClipKernel {
    /** σ of the per-sample-noise mode: DP-SGD's usual order of magnitude, and enough to make every element draw. */
    static final double NOISE_MULTIPLIER = 1.0;

    private final Mode mode;
    /** The set: clipped in place, or the per-sample outputs (then only its norm is read). */
    private final GradientSet set;
    /** The per-sample modes' inputs and outputs; null for the others. */
    private final PerSampleSet samples;
    /** The noise key of the next run: run k uses k, so the reference's first run and every kernel's agree. */
    private long seed;

    BackendKernel(GradClip clip, Operands operands, Mode mode) {
        this.mode = mode;
        GradientSet s = clip.register(operands.tensors());
        try {
            if (mode.needsParameters()) {
                s.attachParameters(operands.parameters(), operands.units());
            }
            this.samples = mode.perSample() ? clip.registerPerSample(operands.samples(), operands.batch(), operands.tensors())
                    : null;
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
        this.set = s;
    }

    @Override
    public double run(double threshold) {
        return switch (mode) {
            case NORM -> set.norm(ClipPolicy.L2).totalNorm();
            case GLOBAL_NOCLIP, GLOBAL_CLIP -> set.clip(ClipPolicy.globalNorm(threshold)).totalNorm();
            case PER_TENSOR -> set.clip(ClipPolicy.perTensorNorm(threshold)).totalNorm();
            case VALUE -> {
                set.clip(ClipPolicy.value(threshold)).clippedCount(); // the read synchronizes
                yield Double.NaN;
            }
            case BLOCK_RMS -> set.clip(ClipPolicy.blockRms(threshold)).totalNorm();
            case AGC, AGC_NOCLIP -> set.clip(ClipPolicy.adaptive(threshold)).totalNorm();
            case PER_SAMPLE -> samples.aggregate(PerSampleClip.flat(threshold), seed++).totalNorm();
            case PER_SAMPLE_NOISE -> samples.aggregate(PerSampleClip.flat(threshold).withNoise(NOISE_MULTIPLIER), seed++)
                    .totalNorm();
        };
    }

    @Override
    public double norm() {
        return set.norm(ClipPolicy.L2).totalNorm();
    }

    @Override
    public void close() {
        if (samples != null) {
            samples.close();
        }
        set.close();
    }
}
