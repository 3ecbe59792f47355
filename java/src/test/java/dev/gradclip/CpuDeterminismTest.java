package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gradclip.internal.cpu.CpuEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cpu backend's norms are bit-identical across runs, thread counts and instruction sets. */
class CpuDeterminismTest {
    @BeforeEach
    void requireCpu() {
        String reason = CpuEngine.unavailableReason();
        assumeTrue(reason == null, () -> "cpu backend unavailable: " + reason);
    }

    private static double[] norms(int threads, TestSets set, double p) {
        try (GradClip clip = GradClip.open(Backend.CPU, threads); GradientSet s = clip.register(set.tensors)) {
            ClipResult r = s.norm(p);
            double[] out = new double[set.tensors.size() + 1];
            r.copyTensorNorms(out);
            out[set.tensors.size()] = r.totalNorm();
            return out;
        }
    }

    private static void assertBitIdentical(double[] a, double[] b, String what) {
        for (int i = 0; i < a.length; i++) {
            assertEquals(Double.doubleToRawLongBits(a[i]), Double.doubleToRawLongBits(b[i]),
                    what + ": entry " + i + ": " + a[i] + " vs " + b[i]);
        }
    }

    @Test
    void sameBitsForAnyThreadCountAndRun() {
        try (TestSets set = TestSets.random(11, 40, 400_000, DType.values())) {
            for (double p : new double[] {2, 1, ClipPolicy.INF, 3}) {
                double[] one = norms(1, set, p);
                for (int threads : new int[] {1, 2, 3, 7}) {
                    for (int run = 0; run < 2; run++) {
                        assertBitIdentical(one, norms(threads, set, p), "p=" + p + ", " + threads + " threads, run " + run);
                    }
                }
            }
        }
    }

    /** fp32/bf16/fp16 squares are exact in fp64, so every ISA's fixed lane order gives the same bits. */
    @Test
    void sameBitsOnEveryInstructionSet() {
        String best = CpuEngine.supportedIsa();
        try (TestSets set = TestSets.random(12, 30, 300_000, DType.F32, DType.BF16, DType.F16)) {
            double[] reference = null;
            try {
                for (String isa : new String[] {"scalar", "avx2", "avx512"}) {
                    if (isa.equals("avx512") && !best.equals("avx512") || isa.equals("avx2") && best.equals("scalar")) {
                        continue;
                    }
                    CpuEngine.forceIsa(isa);
                    double[] n = norms(2, set, 2);
                    if (reference == null) {
                        reference = n;
                    } else {
                        assertBitIdentical(reference, n, isa + " vs scalar");
                    }
                }
            } finally {
                CpuEngine.forceIsa(best);
            }
        }
    }
}
