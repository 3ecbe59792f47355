package dev.gradclip;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gradclip.internal.cpu.CpuEngine;

/** No per-step allocation on the native cpu backend (heap-free downcalls, reused structs). */
class CpuAllocationTest extends AllocationTestBase {
    @Override
    protected GradClip openBackend() {
        String reason = CpuEngine.unavailableReason();
        assumeTrue(reason == null, () -> "cpu backend unavailable: " + reason);
        return GradClip.open(Backend.CPU, 2);
    }
}
