package dev.gradclip.internal.cuda;

import static dev.gradclip.internal.ffm.GradclipNative.GC_TENSOR;

import dev.gradclip.Tensor;
import dev.gradclip.internal.Op;
import dev.gradclip.internal.PreparedSet;
import dev.gradclip.internal.ResultState;
import dev.gradclip.internal.ffm.GradclipNative;
import dev.gradclip.internal.ffm.OpBuffers;
import dev.gradclip.internal.ffm.StructOffsets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A set registered with libgradclip_cuda: chunk table on the device since registration, each run at
 * most two launches on the set's stream, and the result fetched only when the caller reads it.
 */
final class CudaSet implements PreparedSet, ResultState.Pending {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment set;
    private final OpBuffers buffers;
    private MemorySegment stream = MemorySegment.NULL;
    private boolean lastComputedNorms;

    CudaSet(Tensor[] tensors, long chunkElements) {
        try {
            MemorySegment table = arena.allocate(GC_TENSOR, tensors.length);
            for (int i = 0; i < tensors.length; i++) {
                StructOffsets.writeTensor(table, i, tensors[i].data(), tensors[i].elementCount(), tensors[i].dtype().code());
            }
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CudaRuntime.check(GradclipNative.gc_cuda_set_create(table, tensors.length, chunkElements, out),
                    "registering " + tensors.length + " device tensors");
            set = out.get(ValueLayout.ADDRESS, 0);
            buffers = new OpBuffers(arena, tensors.length);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public void useStream(long handle) {
        stream = MemorySegment.ofAddress(handle);
    }

    @Override
    public void run(int mode, int nonFinite, int rule, double normType, double threshold, ResultState r) {
        buffers.writeOp(mode, nonFinite, rule, normType, threshold);
        CudaRuntime.check(GradclipNative.gc_cuda_run(set, buffers.op, stream), "cuda kernels");
        lastComputedNorms = Op.computesNorms(mode);
        r.pending = this;
    }

    @Override
    public void fetch(ResultState r) {
        CudaRuntime.check(GradclipNative.gc_cuda_result(set, stream, lastComputedNorms ? buffers.norms : MemorySegment.NULL,
                buffers.result), "fetching the result");
        buffers.readInto(r, lastComputedNorms);
    }

    @Override
    public long deviceResultAddress() {
        return GradclipNative.gc_cuda_device_result(set).address();
    }

    @Override
    public void close() {
        CudaRuntime.check(GradclipNative.gc_cuda_set_destroy(set), "releasing the device set");
        arena.close();
    }
}
