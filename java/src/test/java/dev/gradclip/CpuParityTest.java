package dev.gradclip;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gradclip.internal.cpu.CpuEngine;

/** The native cpu backend against the Java reference (skipped, visibly, when libgradclip_cpu is absent). */
class CpuParityTest extends BackendParityTestBase {
    @Override
    protected GradClip openBackend() {
        String reason = CpuEngine.unavailableReason();
        assumeTrue(reason == null, () -> "cpu backend unavailable: " + reason);
        return GradClip.open(Backend.CPU, 2);
    }
}
