package dev.gradclip.bench;

import dev.gradclip.ClipPolicy;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import dev.gradclip.Tensor;
import java.util.List;

/**
 * A gradclip backend running one mode on a registered set. The policies are immutable, so a new one
 * per run is the only allocation; timing covers the call and the result read, which on cuda waits for
 * the kernels.
 */
final class BackendKernel implements ClipKernel {
    private final GradientSet set;
    private final Mode mode;

    BackendKernel(GradClip clip, List<Tensor> tensors, Mode mode) {
        this.set = clip.register(tensors);
        this.mode = mode;
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
        };
    }

    @Override
    public double norm() {
        return set.norm(ClipPolicy.L2).totalNorm();
    }

    @Override
    public void close() {
        set.close();
    }
}
