package dev.gradclip;

import java.util.List;

/** AGC and per-sample clipping on the cuda backend against the Java reference (skipped without a GPU). */
class CudaModesParityTest extends ModesParityTestBase {
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
