package dev.gradclip.bench.peers.nd4j;

import dev.gradclip.DType;
import dev.gradclip.Tensor;
import dev.gradclip.bench.ClipKernel;
import dev.gradclip.bench.Mode;
import dev.gradclip.bench.peers.PerArrayKernel;
import dev.gradclip.bench.peers.Peer;
import java.util.List;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;
import org.bytedeco.javacpp.indexer.Bfloat16Indexer;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.javacpp.indexer.HalfIndexer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.clip.ClipByValue;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J (nd4j-native, CPU) doing the same clipping with its own ops: {@code norm2Number} per array,
 * combined in double, then {@code muli} in place; {@code ClipByValue} with the array as its own output
 * for the value clip. The INDArrays are views over our off-heap segments (zero-copy): a JavaCPP pointer
 * at the segment's address becomes an ND4J buffer that does not own the memory.
 */
public final class Nd4jPeer implements Peer {
    private final String description;

    /** Loads ND4J's native backend. @throws RuntimeException (or an Error) when it cannot load here */
    public Nd4jPeer() {
        Nd4j.create(DataType.FLOAT, 1).addi(1); // forces the native backend to load now, not in a timed run
        description = "ND4J " + jarVersion() + " (nd4j-native), "
                + Nd4j.getEnvironment().maxThreads() + " threads, zero-copy views of the same segments";
    }

    /** {@return the version in nd4j-api's jar name, e.g. "1.0.0-M2.1" (its manifest has none)} */
    private static String jarVersion() {
        String jar = Nd4j.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        String file = jar.substring(jar.lastIndexOf('/') + 1);
        return file.startsWith("nd4j-api-") && file.endsWith(".jar") ? file.substring(9, file.length() - 4) : "(version unknown)";
    }

    @Override
    public String name() {
        return "nd4j";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public boolean supports(DType dtype) {
        return true;
    }

    @Override
    public boolean supports(Mode mode) {
        return PerArrayKernel.MODES.contains(mode);
    }

    @Override
    public ClipKernel open(List<Tensor> tensors, Mode mode) {
        INDArray[] arrays = new INDArray[tensors.size()];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = view(tensors.get(i));
        }
        return new Ops(arrays, PerArrayKernel.elementCounts(tensors), mode);
    }

    /** {@return an INDArray over the tensor's memory, which ND4J neither copies nor frees} */
    static INDArray view(Tensor t) {
        long at = t.data().address(); // not "address": that would name the pointer field below
        long n = t.elementCount();
        // JavaCPP has no public "pointer at this address" constructor; a subclass may set the fields.
        DataBuffer buffer = switch (t.dtype()) {
            case F32 -> {
                FloatPointer p = new FloatPointer((Pointer) null) { { address = at; limit = n; capacity = n; } };
                yield Nd4j.createBuffer(p, DataType.FLOAT, n, FloatIndexer.create(p));
            }
            case F64 -> {
                DoublePointer p = new DoublePointer((Pointer) null) { { address = at; limit = n; capacity = n; } };
                yield Nd4j.createBuffer(p, DataType.DOUBLE, n, DoubleIndexer.create(p));
            }
            case BF16 -> {
                ShortPointer p = new ShortPointer((Pointer) null) { { address = at; limit = n; capacity = n; } };
                yield Nd4j.createBuffer(p, DataType.BFLOAT16, n, Bfloat16Indexer.create(p));
            }
            case F16 -> {
                ShortPointer p = new ShortPointer((Pointer) null) { { address = at; limit = n; capacity = n; } };
                yield Nd4j.createBuffer(p, DataType.FLOAT16, n, HalfIndexer.create(p));
            }
        };
        long[] shape = t.shape().length == 0 ? new long[] {1} : t.shape();
        return Nd4j.create(buffer, shape);
    }

    private static final class Ops extends PerArrayKernel {
        private final INDArray[] arrays;

        Ops(INDArray[] arrays, long[] elements, Mode mode) {
            super(mode, elements);
            this.arrays = arrays;
        }

        @Override
        protected double norm(int i) {
            return arrays[i].norm2Number().doubleValue();
        }

        @Override
        protected void scale(int i, double coef) {
            arrays[i].muli(coef);
        }

        @Override
        protected void clamp(int i, double v) {
            ClipByValue op = new ClipByValue(arrays[i], -v, v);
            op.addOutputArgument(arrays[i]);
            Nd4j.exec(op);
        }
    }
}
