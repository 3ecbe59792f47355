package dev.gradclip.internal.cpu;

import static dev.gradclip.internal.ffm.GradclipNative.GC_TENSOR;

import dev.gradclip.Tensor;
import dev.gradclip.internal.Op;
import dev.gradclip.internal.PreparedSet;
import dev.gradclip.internal.ResultState;
import dev.gradclip.internal.ffm.GradclipNative;
import dev.gradclip.internal.ffm.NativeStatus;
import dev.gradclip.internal.ffm.OpBuffers;
import dev.gradclip.internal.ffm.StructOffsets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A set registered with libgradclip_cpu. Everything a step needs (the op and result structs, the norm
 * buffer, staging copies of heap arrays) is allocated here, once, in the set's arena.
 */
final class CpuSet implements PreparedSet {
    /** Staging buffers start on a cache line so the kernels' vector loads are aligned. */
    private static final long STAGING_ALIGNMENT = 64;

    private final CpuEngine engine;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment set;
    private final OpBuffers buffers;
    /** Heap tensors and their off-heap staging copies; empty when all tensors are off-heap. */
    private final MemorySegment[] heapSources;
    private final MemorySegment[] heapStaging;

    CpuSet(CpuEngine engine, Tensor[] tensors, long chunkElements) {
        this.engine = engine;
        try {
            int heap = 0;
            for (Tensor t : tensors) {
                heap += t.data().isNative() ? 0 : 1;
            }
            heapSources = new MemorySegment[heap];
            heapStaging = new MemorySegment[heap];
            MemorySegment table = arena.allocate(GC_TENSOR, tensors.length);
            for (int i = 0, h = 0; i < tensors.length; i++) {
                Tensor t = tensors[i];
                MemorySegment data = t.data().isNative() ? t.data() : null;
                if (data == null) {
                    heapSources[h] = t.data().asSlice(0, t.byteSize());
                    heapStaging[h] = arena.allocate(Math.max(1, t.byteSize()), STAGING_ALIGNMENT);
                    data = heapStaging[h++];
                }
                StructOffsets.writeTensor(table, i, data, t.elementCount(), t.dtype().code());
            }
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            NativeStatus.check(GradclipNative.gc_cpu_set_create(table, tensors.length, chunkElements, out),
                    "registering " + tensors.length + " tensors", GradclipNative::gc_cpu_last_error);
            set = out.get(ValueLayout.ADDRESS, 0);
            buffers = new OpBuffers(arena, tensors.length);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public void run(int mode, int nonFinite, int rule, double normType, double threshold, ResultState r) {
        buffers.writeOp(mode, nonFinite, rule, normType, threshold);
        for (int h = 0; h < heapSources.length; h++) {
            MemorySegment.copy(heapSources[h], 0, heapStaging[h], 0, heapSources[h].byteSize());
        }
        int status = GradclipNative.gc_cpu_run(engine.pool(), set, buffers.op, buffers.norms, buffers.result);
        NativeStatus.check(status, "cpu kernel", GradclipNative::gc_cpu_last_error);
        buffers.readInto(r, Op.computesNorms(mode));
        if (r.clipped) {
            for (int h = 0; h < heapSources.length; h++) {
                MemorySegment.copy(heapStaging[h], 0, heapSources[h], 0, heapSources[h].byteSize());
            }
        }
    }

    @Override
    public void close() {
        GradclipNative.gc_cpu_set_destroy(set);
        arena.close();
    }
}
