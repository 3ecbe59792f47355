package dev.gradclip.bench.peers.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.gradclip.DType;
import dev.gradclip.Tensor;
import dev.gradclip.bench.ClipKernel;
import dev.gradclip.bench.Mode;
import dev.gradclip.bench.peers.PerArrayKernel;
import dev.gradclip.bench.peers.Peer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * DJL's NDArray ops on its PyTorch engine (libtorch for CPU, from the pytorch-native-cpu jar, offline)
 * doing the same clipping: {@code norm()} per array, combined in double, then {@code muli} in place.
 * The NDArrays are created over our segments' memory (DJL hands a direct buffer to torch::from_blob),
 * so the norm clips run zero-copy. DJL has no in-place clip, so the value clip makes a clipped copy of
 * each array and swaps it in ({@code intern}): after the first value run the data lives in torch's
 * memory, which is what a DJL user's value clip costs.
 */
public final class DjlPeer implements Peer {
    private static final String ENGINE = "PyTorch";

    private final NDManager manager;
    private final String description;

    /** Starts the PyTorch engine offline. @throws RuntimeException (or an Error) when it cannot start here */
    public DjlPeer() {
        System.setProperty("ai.djl.offline", "true"); // never download libtorch: use the jar's
        Engine engine = Engine.getEngine(ENGINE);
        manager = NDManager.newBaseManager(Device.cpu(), ENGINE);
        try (NDManager probe = manager.newSubManager()) {
            probe.ones(new Shape(1)).norm().getFloat(); // loads libtorch now, not in a timed run
        }
        description = "DJL " + Engine.getDjlVersion() + ", PyTorch " + engine.getVersion()
                + ", " + JniUtils.getNumThreads() + " threads, zero-copy over the same segments (value clip: out of place)";
    }

    @Override
    public String name() {
        return "djl";
    }

    @Override
    public String description() {
        return description;
    }

    /** bf16 is left out: DJL 0.36 aborts the JVM creating a BFLOAT16 NDArray from a buffer. */
    @Override
    public boolean supports(DType dtype) {
        return dtype != DType.BF16;
    }

    @Override
    public boolean supports(Mode mode) {
        return PerArrayKernel.MODES.contains(mode);
    }

    @Override
    public ClipKernel open(List<Tensor> tensors, Mode mode) {
        NDManager arrays = manager.newSubManager();
        NDArray[] views = new NDArray[tensors.size()];
        for (int i = 0; i < views.length; i++) {
            Tensor t = tensors.get(i);
            DataType type = switch (t.dtype()) {
                case F32 -> DataType.FLOAT32;
                case F64 -> DataType.FLOAT64;
                case F16 -> DataType.FLOAT16;
                case BF16 -> throw new IllegalArgumentException("bf16 is not supported by the djl peer");
            };
            // a ByteBuffer holds at most 2 GiB: larger tensors cannot be handed over zero-copy
            views[i] = arrays.create(t.data().asByteBuffer().order(ByteOrder.nativeOrder()), new Shape(t.shape()), type);
        }
        return new Ops(arrays, views, PerArrayKernel.elementCounts(tensors), mode);
    }

    @Override
    public void close() {
        manager.close();
    }

    private static final class Ops extends PerArrayKernel {
        private final NDManager manager;
        private final NDArray[] arrays;

        Ops(NDManager manager, NDArray[] arrays, long[] elements, Mode mode) {
            super(mode, elements);
            this.manager = manager;
            this.arrays = arrays;
        }

        @Override
        protected double norm(int i) {
            try (NDArray n = arrays[i].norm()) {
                return n.toType(DataType.FLOAT64, false).getDouble();
            }
        }

        @Override
        protected void scale(int i, double coef) {
            arrays[i].muli(coef);
        }

        @Override
        protected void clamp(int i, double v) {
            arrays[i].intern(arrays[i].clip(-v, v));
        }

        @Override
        public void close() {
            manager.close();
        }
    }
}
