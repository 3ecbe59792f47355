package dev.gradclip;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gradclip.internal.cpu.CpuEngine;

/** The hand-worked block RMS, AGC and per-sample cases on the cpu backend. */
class CpuModesSemanticsTest extends ModesSemanticsTestBase {
    @Override
    protected GradClip openBackend() {
        String reason = CpuEngine.unavailableReason();
        assumeTrue(reason == null, () -> "cpu backend unavailable: " + reason);
        return GradClip.open(Backend.CPU, 2);
    }
}
