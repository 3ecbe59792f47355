package dev.gradclip.internal.cpu;

import static dev.gradclip.internal.ffm.GradclipNative.GC_TENSOR;
import static dev.gradclip.internal.ffm.GradclipNative.GC_UNITS;

import dev.gradclip.NonFinitePolicy;
import dev.gradclip.Tensor;
import dev.gradclip.Units;
import dev.gradclip.internal.Op;
import dev.gradclip.internal.OpArgs;
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
    private static final int PROPAGATE = NonFinitePolicy.PROPAGATE.code();

    private final CpuEngine engine;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment set;
    private final int tensorCount;
    private OpBuffers buffers;
    private int batch = 1;
    /** Heap gradients, copied in before every run and out after one that wrote. */
    private final HostStaging gradientStaging;
    /** Heap parameters (AGC), copied in before a run; heap outputs (per-sample), copied out after. */
    private HostStaging paramStaging = HostStaging.NONE;
    private HostStaging outputStaging = HostStaging.NONE;

    CpuSet(CpuEngine engine, Tensor[] tensors, long chunkElements) {
        this.engine = engine;
        this.tensorCount = tensors.length;
        try {
            gradientStaging = HostStaging.of(tensors, arena);
            MemorySegment table = arena.allocate(GC_TENSOR, tensors.length);
            for (int i = 0; i < tensors.length; i++) {
                StructOffsets.writeTensor(table, i, gradientStaging.address(i), tensors[i].elementCount(),
                        tensors[i].dtype().code());
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
    public void attachUnits(Tensor[] parameters, Units[] units) {
        HostStaging staging = HostStaging.of(parameters, arena);
        MemorySegment table = arena.allocate(GC_UNITS, parameters.length);
        for (int i = 0; i < parameters.length; i++) {
            StructOffsets.writeUnits(table, i, staging.address(i), units[i].count(), units[i].layout().ordinal(),
                    parameters[i].dtype().code());
        }
        NativeStatus.check(GradclipNative.gc_cpu_set_units(set, table, parameters.length), "attaching parameters",
                GradclipNative::gc_cpu_last_error);
        paramStaging = staging;
    }

    @Override
    public void attachSamples(int batchSize, Tensor[] outputs) {
        HostStaging staging = HostStaging.of(outputs, arena);
        MemorySegment table = arena.allocate(GC_TENSOR, outputs.length);
        for (int i = 0; i < outputs.length; i++) {
            StructOffsets.writeTensor(table, i, staging.address(i), outputs[i].elementCount(), outputs[i].dtype().code());
        }
        NativeStatus.check(GradclipNative.gc_cpu_set_samples(set, batchSize, table, outputs.length), "attaching outputs",
                GradclipNative::gc_cpu_last_error);
        outputStaging = staging;
        batch = batchSize;
        buffers = new OpBuffers(arena, Math.max(tensorCount, batchSize * tensorCount));
    }

    @Override
    public void run(OpArgs op, ResultState r) {
        buffers.writeOp(op);
        gradientStaging.copyIn();
        if (op.mode == Op.AGC) {
            paramStaging.copyIn();
        }
        int status = GradclipNative.gc_cpu_run(engine.pool(), set, buffers.op, buffers.norms, buffers.result);
        NativeStatus.check(status, "cpu kernel", GradclipNative::gc_cpu_last_error);
        buffers.readInto(r, Op.normCount(op.mode, tensorCount, batch));
        if (r.clipped && Op.mayWrite(op.mode)) {
            gradientStaging.copyOut();
        }
        boolean perSample = op.mode == Op.PER_SAMPLE_FLAT || op.mode == Op.PER_SAMPLE_LAYER;
        if (perSample && !(r.nonFinite && op.nonFinite != PROPAGATE)) {
            outputStaging.copyOut();
        }
    }

    @Override
    public void close() {
        GradclipNative.gc_cpu_set_destroy(set);
        arena.close();
    }
}
