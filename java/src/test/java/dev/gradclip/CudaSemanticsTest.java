package dev.gradclip;

import java.util.List;

/** The hand-worked semantics on the cuda backend (skipped, with the reason, without a GPU). */
class CudaSemanticsTest extends SemanticsTestBase {
    @Override
    protected GradClip openBackend() {
        return CudaPlacement.open();
    }

    @Override
    protected List<Tensor> place(TestSets host) {
        return CudaPlacement.place(host);
    }

    @Override
    protected double[] values(TestSets host, List<Tensor> placed, int t) {
        CudaPlacement.readBack(placed, host);
        return super.values(host, placed, t);
    }

    @Override
    protected void release(List<Tensor> placed) {
        CudaPlacement.release(placed);
    }
}
