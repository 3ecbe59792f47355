package dev.gradclip.internal.cuda;

import static dev.gradclip.internal.ffm.GradclipNative.GC_TENSOR;
import static dev.gradclip.internal.ffm.GradclipNative.GC_UNITS;

import dev.gradclip.Tensor;
import dev.gradclip.Units;
import dev.gradclip.internal.Op;
import dev.gradclip.internal.OpArgs;
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
 * most three launches on the set's stream, and the result fetched only when the caller reads it.
 */
final class CudaSet implements PreparedSet, ResultState.Pending {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment set;
    private final int tensorCount;
    private OpBuffers buffers;
    private int batch = 1;
    private MemorySegment stream = MemorySegment.NULL;
    private int lastNormCount;

    CudaSet(Tensor[] tensors, long chunkElements) {
        tensorCount = tensors.length;
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
    public void attachUnits(Tensor[] parameters, Units[] units) {
        MemorySegment table = arena.allocate(GC_UNITS, parameters.length);
        for (int i = 0; i < parameters.length; i++) {
            StructOffsets.writeUnits(table, i, parameters[i].data(), units[i].count(), units[i].layout().ordinal(),
                    parameters[i].dtype().code());
        }
        CudaRuntime.check(GradclipNative.gc_cuda_set_units(set, table, parameters.length), "attaching device parameters");
    }

    @Override
    public void attachSamples(int batchSize, Tensor[] outputs) {
        MemorySegment table = arena.allocate(GC_TENSOR, outputs.length);
        for (int i = 0; i < outputs.length; i++) {
            StructOffsets.writeTensor(table, i, outputs[i].data(), outputs[i].elementCount(), outputs[i].dtype().code());
        }
        CudaRuntime.check(GradclipNative.gc_cuda_set_samples(set, batchSize, table, outputs.length), "attaching device outputs");
        batch = batchSize;
        buffers = new OpBuffers(arena, Math.max(tensorCount, batchSize * tensorCount));
    }

    @Override
    public void run(OpArgs op, ResultState r) {
        buffers.writeOp(op);
        CudaRuntime.check(GradclipNative.gc_cuda_run(set, buffers.op, stream), "cuda kernels");
        lastNormCount = Op.normCount(op.mode, tensorCount, batch);
        r.pending = this;
    }

    @Override
    public void fetch(ResultState r) {
        CudaRuntime.check(GradclipNative.gc_cuda_result(set, stream, lastNormCount > 0 ? buffers.norms : MemorySegment.NULL,
                buffers.result), "fetching the result");
        buffers.readInto(r, lastNormCount);
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
