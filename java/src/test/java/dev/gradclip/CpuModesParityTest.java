package dev.gradclip;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gradclip.internal.cpu.CpuEngine;

/** AGC and per-sample clipping on the native cpu backend against the Java reference. */
class CpuModesParityTest extends ModesParityTestBase {
    @Override
    protected GradClip openBackend() {
        String reason = CpuEngine.unavailableReason();
        assumeTrue(reason == null, () -> "cpu backend unavailable: " + reason);
        return GradClip.open(Backend.CPU, 2);
    }
}
