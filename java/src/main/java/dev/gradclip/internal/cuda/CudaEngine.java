package dev.gradclip.internal.cuda;

import dev.gradclip.Backend;
import dev.gradclip.Tensor;
import dev.gradclip.internal.Engine;
import dev.gradclip.internal.PreparedSet;

/** The CUDA backend on one device ({@code -Dgradclip.cuda.device}, default 0). */
public final class CudaEngine implements Engine {
    private final int device;

    private CudaEngine(int device) {
        this.device = device;
    }

    /** @throws dev.gradclip.BackendUnavailableException if no CUDA device can be used */
    public static CudaEngine create() {
        CudaRuntime.requireAvailable();
        int device = Integer.getInteger("gradclip.cuda.device", 0);
        CudaRuntime.setDevice(device);
        return new CudaEngine(device);
    }

    /** {@return null when the CUDA backend can run here, else why not} */
    public static String unavailableReason() {
        return CudaRuntime.unavailableReason();
    }

    /** {@return the device in use, described} */
    public static String deviceSummary() {
        return CudaRuntime.describe(Integer.getInteger("gradclip.cuda.device", 0));
    }

    @Override
    public Backend backend() {
        return Backend.CUDA;
    }

    @Override
    public String description() {
        return "cuda (device " + device + ": " + CudaRuntime.describe(device) + ")";
    }

    @Override
    public PreparedSet prepare(Tensor[] tensors, long chunkElements) {
        CudaRuntime.setDevice(device);
        return new CudaSet(tensors, chunkElements);
    }

    @Override
    public void close() {}
}
