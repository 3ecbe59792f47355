package dev.gradclip.bench;

import dev.gradclip.ClipPolicy;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import dev.gradclip.PerSampleClip;
import dev.gradclip.PerSampleSet;
import dev.gradclip.adaptive.AutoClip;
import dev.gradclip.adaptive.ClipStep;
import dev.gradclip.adaptive.LossScaler;
import dev.gradclip.adaptive.ZClip;

/**
 * A gradclip backend running one mode on a registered set. The policies are immutable, so a new one
 * per run is the only allocation; timing covers the call and the result read, which on cuda waits for
 * the kernels. The adaptive modes drive their clipper of {@code dev.gradclip.adaptive} over the set,
 * whatever its backend, from the state {@link #prepare} restores ({@link AdaptiveClippers}).
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
    private final AutoClip autoClip;
    private final ZClip zclip;
    private final LossScaler scaler;
    private final LossScaler.State scalerState;
    private int runsWithoutClip;

    BackendKernel(GradClip clip, Operands operands, Mode mode) {
        this.mode = mode;
        this.autoClip = mode == Mode.AUTOCLIP ? AdaptiveClippers.newAutoClip() : null;
        if (autoClip != null) {
            AdaptiveClippers.warmUp(autoClip, 1.0);
        }
        this.zclip = mode == Mode.ZCLIP ? new ZClip() : null;
        this.scaler = mode == Mode.AMP ? AdaptiveClippers.newLossScaler(operands.tensors().getFirst().dtype()) : null;
        this.scalerState = mode == Mode.AMP ? AdaptiveClippers.lossScalerState(operands.tensors().getFirst().dtype()) : null;
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
            case AUTOCLIP -> adaptive(autoClip.clip(set));
            case ZCLIP -> adaptive(zclip.clip(set));
            case AMP -> adaptive(scaler.unscaleAndClip(set, ClipPolicy.globalNorm(threshold)));
        };
    }

    /** {@return the step's norm before clipping, counting a step that did not clip} */
    private double adaptive(ClipStep step) {
        if (!step.clipped()) {
            runsWithoutClip++;
        }
        return step.totalNorm();
    }

    @Override
    public void prepare(double threshold) {
        switch (mode) {
            case AUTOCLIP -> autoClip.restore(AdaptiveClippers.autoClipState(threshold));
            case ZCLIP -> zclip.restore(AdaptiveClippers.zclipState(threshold));
            case AMP -> scaler.restore(scalerState);
            default -> { }
        }
    }

    @Override
    public int runsWithoutClip() {
        return runsWithoutClip;
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
