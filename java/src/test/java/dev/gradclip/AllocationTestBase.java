package dev.gradclip;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** A training step allocates nothing on the Java heap: measured with the JVM's per-thread counter. */
abstract class AllocationTestBase {
    /** Whatever the JIT or the counter itself costs over a whole run, far below one object per step. */
    private static final long SLACK_BYTES = 4096;
    private static final int STEPS = 2000;
    private static final int ROUNDS = 8;

    /** Written once per round so the measured results are used. */
    static volatile double consumed;

    protected abstract GradClip openBackend();

    @Test
    void stepsAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        try (TestSets set = TestSets.random(5, 20, 2000, DType.F32, DType.BF16);
                TestSets params = set.copy();
                TestSets perSample = TestSets.random(6, 5, 400, DType.F32);
                TestSets outputs = TestSets.zerosLike(perSample);
                GradClip clip = openBackend();
                GradientSet grads = clip.register(set.tensors);
                PerSampleSet samples = clip.registerPerSample(perSample.tensors, 1, outputs.tensors)) {
            grads.attachParameters(params.tensors, set.tensors.stream().map(t -> Units.whole()).toList());
            ClipPolicy global = ClipPolicy.globalNorm(1e-3);
            ClipPolicy perTensor = ClipPolicy.perTensorNorm(1e-3);
            ClipPolicy value = ClipPolicy.value(1e-3);
            ClipPolicy blockRms = ClipPolicy.blockRms(1e-3);
            ClipPolicy adaptive = ClipPolicy.adaptive(1e-2);
            PerSampleClip dp = PerSampleClip.perLayer(1e-3).withNoise(1.0);
            double[] norms = new double[set.tensors.size()];
            double sink = 0;
            // A real per-step allocation shows in every round; JIT compilation (slow on a busy 2-core
            // machine) only in the first ones, so several rounds separate the two.
            for (int warm = 0; warm < ROUNDS; warm++) {
                long before = threads.getThreadAllocatedBytes(me);
                for (int i = 0; i < STEPS; i++) {
                    ClipResult r = grads.clip(global);
                    sink += r.totalNorm() + r.coefficient();
                    r.copyTensorNorms(norms);
                    sink += grads.clip(perTensor).clippedCount();
                    sink += grads.clip(value).clippedCount();
                    sink += grads.norm(2).totalNorm();
                    sink += grads.scale(1.0).coefficient();
                    sink += grads.clip(blockRms).coefficient();
                    sink += grads.clip(adaptive).clippedCount();
                    sink += samples.aggregate(dp, i).totalNorm() + samples.sampleNorm(0, 0);
                }
                long allocated = threads.getThreadAllocatedBytes(me) - before;
                consumed = sink; // keeps the JIT from dropping the work the loop measures
                if (allocated <= SLACK_BYTES) {
                    return;
                }
                if (warm == ROUNDS - 1) {
                    fail(clip.backend() + ": " + STEPS + " steps allocated " + allocated + " bytes ("
                            + allocated / STEPS + " per step)");
                }
            }
        }
    }
}
