package dev.gradclip;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gradclip.internal.cpu.CpuEngine;

/** Bad input on the native cpu backend. */
class CpuBadInputTest extends BadInputTestBase {
    @Override
    protected GradClip openBackend() {
        String reason = CpuEngine.unavailableReason();
        assumeTrue(reason == null, () -> "cpu backend unavailable: " + reason);
        return GradClip.open(Backend.CPU, 2);
    }
}
