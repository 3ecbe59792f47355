package dev.gradclip.adaptive;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gradclip.Backend;
import dev.gradclip.ClipPolicy;
import dev.gradclip.CoefficientRule;
import dev.gradclip.NonFinitePolicy;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A training step through every stateful clipper allocates nothing, measured with the JVM's thread counter. */
class AllocationTest {
    /**
     * Less than one 16-byte object per step (12 bytes a step over the run). AutoClip and ZClip call
     * {@code scale} only on the steps they clip (1 in 10 here), so that call path stays below C2's
     * compile threshold for the whole test; C1 code does no escape analysis, and the downcall's method
     * handle chain then allocates about 40 bytes per call (measured: 8000 bytes per 200 clipped steps,
     * 0 on LossScaler, whose scale runs every step and gets compiled). Anything the clippers allocate
     * on every step still fails.
     */
    private static final long SLACK_BYTES = 12 * 2000;
    private static final int STEPS = 2000;

    /**
     * cpu where it loads, else java. The java backend's element loops reach allocation-free code only
     * once C2 has compiled them, which a busy 2-core machine can delay past every measured round; the
     * clippers' own code is the same on every backend.
     */
    static java.util.stream.Stream<Backend> measuredBackend() {
        return java.util.stream.Stream.of(dev.gradclip.internal.cpu.CpuEngine.unavailableReason() == null
                ? Backend.CPU : Backend.JAVA);
    }

    @ParameterizedTest
    @MethodSource("measuredBackend")
    void stepsAllocateNothing(Backend backend) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long me = Thread.currentThread().threadId();
        double[] base = new double[1000];
        for (int i = 0; i < base.length; i++) {
            base[i] = Math.sin(i) * 1e-2;
        }
        try (Grads g = new Grads(backend, base, base)) {
            // Small intervals and windows so that growth, ring wrap-around and clipping all happen.
            LossScaler scaler = new LossScaler(1024, 2, 0.5, 7);
            AutoClip auto = new AutoClip(10, 64, CoefficientRule.TORCH, NonFinitePolicy.SKIP);
            ZClip z = new ZClip(0.9, 5, 1.0, NonFinitePolicy.SKIP);
            ClipMonitor monitor = new ClipMonitor(128);
            ClipPolicy.GlobalNorm policy = ClipPolicy.globalNorm(0.1).withRule(CoefficientRule.EXACT);
            double sink = 0;
            long clipped = 0;
            // A real per-step allocation shows in every round; JIT compilation (slow on a busy 2-core
            // machine) only in the first ones, so several rounds separate the two.
            for (int warm = 0; warm < ROUNDS; warm++) {
                long before = threads.getThreadAllocatedBytes(me);
                for (int i = 0; i < STEPS; i++) {
                    double spike = i % 10 == 0 ? 50 : 1 + (i % 3); // regular spikes for ZClip and AutoClip
                    refill(g, 0, base, spike * scaler.scale());
                    refill(g, 1, base, spike * scaler.scale());
                    ClipStep s = scaler.unscaleAndClip(g.set, policy);
                    monitor.record(s);
                    s = auto.clip(g.set);
                    monitor.record(s);
                    refill(g, 0, base, spike);
                    s = z.clip(g.set);
                    monitor.record(s);
                    clipped += s.clipped() ? 1 : 0;
                    sink += s.totalNorm() + auto.threshold() + z.mean();
                }
                long allocated = threads.getThreadAllocatedBytes(me) - before;
                consumed = sink; // keeps the JIT from dropping the work the loop measures
                if (allocated <= SLACK_BYTES) {
                    assertTrue(clipped > 0, "ZClip never clipped: the test would not cover its clip path");
                    return;
                }
                if (warm == ROUNDS - 1) {
                    fail(backend + ": " + STEPS + " steps allocated " + allocated + " bytes ("
                            + allocated / STEPS + " per step)");
                }
            }
        }
    }

    private static final int ROUNDS = 8;
    /** Written once per round so the measured results are used. */
    static volatile double consumed;

    private static void refill(Grads g, int t, double[] base, double factor) {
        java.lang.foreign.MemorySegment seg = g.set.tensors().get(t).data();
        for (int i = 0; i < base.length; i++) {
            seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i, base[i] * factor);
        }
    }
}
