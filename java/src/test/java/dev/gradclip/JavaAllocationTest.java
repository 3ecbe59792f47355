package dev.gradclip;

/** No per-step allocation on the Java reference. */
class JavaAllocationTest extends AllocationTestBase {
    @Override
    protected GradClip openBackend() {
        return GradClip.open(Backend.JAVA);
    }
}
