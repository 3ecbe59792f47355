package dev.gradclip;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gradclip.internal.cuda.CudaEngine;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Moves test sets to the GPU and back for the cuda variants of the backend test suites. */
final class CudaPlacement {
    private CudaPlacement() {}

    /** Device memory behind each placed tensor, to copy back and free. */
    private static final Map<Tensor, DeviceMemory> MEMORY = new IdentityHashMap<>();

    static GradClip open() {
        String reason = CudaEngine.unavailableReason();
        assumeTrue(reason == null, () -> "cuda backend unavailable: " + reason);
        return GradClip.open(Backend.CUDA);
    }

    static List<Tensor> place(TestSets host) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor t : host.tensors) {
            DeviceMemory m = DeviceMemory.allocate(Math.max(16, t.byteSize()));
            if (t.byteSize() > 0) {
                m.copyFrom(t.data().asSlice(0, t.byteSize()));
            }
            Tensor d = Tensor.onDevice(t.name(), m, t.dtype(), t.shape());
            MEMORY.put(d, m);
            out.add(d);
        }
        return out;
    }

    static void readBack(List<Tensor> placed, TestSets host) {
        for (int i = 0; i < placed.size(); i++) {
            Tensor h = host.tensors.get(i);
            if (h.byteSize() > 0) {
                MEMORY.get(placed.get(i)).copyTo(h.data().asSlice(0, h.byteSize()));
            }
        }
    }

    static void release(List<Tensor> placed) {
        for (Tensor t : placed) {
            DeviceMemory m = MEMORY.remove(t);
            if (m != null) {
                m.close();
            }
        }
    }
}
