package dev.gradclip;

import java.util.List;

/** The cuda backend against the Java reference (skipped, with the reason, without a GPU). */
class CudaParityTest extends BackendParityTestBase {
    @Override
    protected GradClip openBackend() {
        return CudaPlacement.open();
    }

    @Override
    protected List<Tensor> place(TestSets host) {
        return CudaPlacement.place(host);
    }

    @Override
    protected void readBack(List<Tensor> placed, TestSets host) {
        CudaPlacement.readBack(placed, host);
    }

    @Override
    protected void release(List<Tensor> placed) {
        CudaPlacement.release(placed);
    }
}
