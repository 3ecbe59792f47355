package dev.gradclip.bench;

import dev.gradclip.DType;
import dev.gradclip.Tensor;
import dev.gradclip.internal.Numerics;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One gradient set in host memory: every tensor a 64-byte aligned slice of one off-heap slab, filled
 * with the same pseudo-random values in [-1, 1) every time ({@link #ensurePristine}).
 *
 * <p>Clipping writes the gradients, so each case that checks its first result starts from freshly
 * filled data. With a snapshot (a second slab holding the first fill) a refill is a memcpy, ten times
 * quicker than generating the values again; without one, refilling from the counter-based generator
 * costs no second copy of the set in memory, which is what lets gpt2-1.5b run where memory is short.
 */
public final class HostGradients implements AutoCloseable {
    /** Tensors start on cache-line boundaries, as a framework's allocator would place them. */
    static final long ALIGNMENT = 64;
    /** Elements per unit of fill work: large enough to amortize, small enough to balance 2000 tiny tensors. */
    private static final long FILL_CHUNK = 1 << 20;
    /** Streams start 2^40 indices apart, far beyond any set's element count. */
    private static final int STREAM_SHIFT = 40;
    /** The values of the gradients. */
    public static final int GRADIENTS = 0;
    /** The values of AGC's parameters: not the gradients', so a kernel that reads the wrong set fails its check. */
    public static final int PARAMETERS = 1;
    /** The values of the per-sample inputs. */
    public static final int SAMPLES = 2;

    private final ShapeSet shapes;
    private final DType dtype;
    private final Arena arena;
    private final MemorySegment slab;
    private final List<Tensor> tensors;
    private final long[] firstElement;
    /** Added to every element's index: another stream of values from the same generator. */
    private final long indexBase;
    private final long dataBytes;
    private final MemorySegment snapshot;
    private boolean snapshotTaken;
    private boolean pristine;
    /** What the fill was multiplied by (amp's loss scale), when pristine. */
    private double fillScale = 1.0;

    private HostGradients(ShapeSet shapes, DType dtype, boolean keepSnapshot, int stream) {
        this.shapes = shapes;
        this.dtype = dtype;
        this.indexBase = (long) stream << STREAM_SHIFT;
        int n = shapes.tensors().size();
        long[] offsets = new long[n];
        firstElement = new long[n];
        long size = 0;
        long elements = 0;
        for (int i = 0; i < n; i++) {
            offsets[i] = size;
            firstElement[i] = elements;
            long count = shapes.tensors().get(i).elementCount();
            elements += count;
            size = alignUp(size + count * dtype.byteSize());
        }
        this.dataBytes = elements * dtype.byteSize();
        this.arena = Arena.ofShared();
        this.slab = arena.allocate(Math.max(size, ALIGNMENT), ALIGNMENT); // zeroed: every page is touched now, not in a timed run
        this.snapshot = keepSnapshot ? arena.allocate(slab.byteSize(), ALIGNMENT) : null;
        List<Tensor> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            TensorShape t = shapes.tensors().get(i);
            long bytes = t.elementCount() * dtype.byteSize();
            list.add(Tensor.of(t.name(), slab.asSlice(offsets[i], bytes), dtype, t.dims()));
        }
        this.tensors = List.copyOf(list);
    }

    /** {@return the set allocated (zeroed, not yet filled), refilled by generating the values again} */
    public static HostGradients allocate(ShapeSet shapes, DType dtype) {
        return new HostGradients(shapes, dtype, false, GRADIENTS);
    }

    /**
     * {@return the set allocated (zeroed, not yet filled)}
     *
     * @param keepSnapshot true to keep a copy of the first fill (twice the memory) and refill from it
     */
    public static HostGradients allocate(ShapeSet shapes, DType dtype, boolean keepSnapshot) {
        return new HostGradients(shapes, dtype, keepSnapshot, GRADIENTS);
    }

    /**
     * {@return a set of other values than the gradients' (zeroed, not yet filled), refilled by generating
     * them again}
     *
     * @param stream {@link #PARAMETERS} or {@link #SAMPLES}
     */
    public static HostGradients allocateStream(ShapeSet shapes, DType dtype, int stream) {
        return new HostGradients(shapes, dtype, false, stream);
    }

    /** {@return the slab bytes a set of these shapes takes, alignment padding included} */
    public static long slabBytes(ShapeSet shapes, DType dtype) {
        long size = 0;
        for (TensorShape t : shapes.tensors()) {
            size = alignUp(size + t.elementCount() * dtype.byteSize());
        }
        return size;
    }

    private static long alignUp(long x) {
        return (x + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /** Fills the data unless it is unchanged since the last fill. */
    public void ensurePristine(Workers workers) {
        ensureFilled(1.0, workers);
    }

    /** Fills the data as {@code mode} starts from (amp: scaled by its loss scale), unless it holds that already. */
    public void ensureFreshFor(Mode mode, Workers workers) {
        ensureFilled(mode.refillsEachRun() ? AdaptiveClippers.lossScale(dtype) : 1.0, workers);
    }

    /**
     * Fills the data afresh as {@code mode} starts from, for a run that writes it: whatever it holds now,
     * and leaving it marked written, so that the next {@link #ensureFreshFor} fills again.
     */
    public void refillFor(Mode mode, Workers workers) {
        pristine = false;
        ensureFreshFor(mode, workers);
        pristine = false;
    }

    /**
     * Fills the data with the values times {@code scale} (amp's loss-scaled gradients), unless it holds
     * them unchanged since the last fill. The scaling is a second pass, exact for a power of two that
     * keeps the values finite ({@link AdaptiveClippers#lossScale}); the snapshot keeps the values unscaled.
     */
    public void ensureFilled(double scale, Workers workers) {
        if (pristine && fillScale == scale) {
            return;
        }
        fill(workers);
        if (scale != 1.0) {
            multiply(scale, workers);
        }
        fillScale = scale;
        pristine = true;
    }

    private void fill(Workers workers) {
        if (snapshotTaken) {
            copy(snapshot, slab, workers);
        } else {
            generate(workers);
            if (snapshot != null) {
                copy(slab, snapshot, workers);
                snapshotTaken = true;
            }
        }
    }

    /** Multiplies every element by {@code scale} in place, in chunks spread over the workers. */
    private void multiply(double scale, Workers workers) {
        List<long[]> chunks = chunks();
        int parts = workers.threads();
        workers.run(p -> {
            for (int c = p; c < chunks.size(); c += parts) {
                long[] chunk = chunks.get(c);
                Elements.scale(tensors.get((int) chunk[0]), chunk[1], chunk[2], scale);
            }
        });
    }

    /** {@return the units of fill work: {tensor, from, to}, at most {@link #FILL_CHUNK} elements each} */
    private List<long[]> chunks() {
        List<long[]> chunks = new ArrayList<>();
        for (int t = 0; t < tensors.size(); t++) {
            long count = tensors.get(t).elementCount();
            for (long from = 0; from < count; from += FILL_CHUNK) {
                chunks.add(new long[] {t, from, Math.min(count, from + FILL_CHUNK)});
            }
        }
        return chunks;
    }

    /** Copies {@code from} into {@code to}, one part per worker (one thread does not reach the memory's bandwidth). */
    private static void copy(MemorySegment from, MemorySegment to, Workers workers) {
        long bytes = from.byteSize();
        int parts = workers.threads();
        workers.run(p -> {
            long start = bytes * p / parts & -ALIGNMENT;
            long end = p == parts - 1 ? bytes : bytes * (p + 1) / parts & -ALIGNMENT;
            MemorySegment.copy(from, start, to, start, end - start);
        });
    }

    private void generate(Workers workers) {
        List<long[]> chunks = chunks();
        int parts = workers.threads();
        workers.run(p -> {
            for (int c = p; c < chunks.size(); c += parts) {
                long[] chunk = chunks.get(c);
                int t = (int) chunk[0];
                fill(tensors.get(t).data(), indexBase + firstElement[t], chunk[1], chunk[2]);
            }
        });
    }

    private void fill(MemorySegment data, long first, long from, long to) {
        switch (dtype) {
            case F32 -> {
                for (long i = from; i < to; i++) {
                    data.setAtIndex(ValueLayout.JAVA_FLOAT, i, value(first + i));
                }
            }
            case F64 -> {
                for (long i = from; i < to; i++) {
                    data.setAtIndex(ValueLayout.JAVA_DOUBLE, i, value(first + i));
                }
            }
            case BF16 -> {
                for (long i = from; i < to; i++) {
                    data.setAtIndex(ValueLayout.JAVA_SHORT, i, Numerics.floatToBf16(value(first + i)));
                }
            }
            case F16 -> {
                for (long i = from; i < to; i++) {
                    data.setAtIndex(ValueLayout.JAVA_SHORT, i, Float.floatToFloat16(value(first + i)));
                }
            }
        }
    }

    /**
     * {@return the value of element {@code index} of the set (counting across tensors): SplitMix64 of
     * the index, top 24 bits scaled to [-1, 1)} Exact in every dtype's range, and the same on every fill.
     */
    static float value(long index) {
        long z = index * 0x9E3779B97F4A7C15L + 0x6A09E667F3BCC909L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 40) * 0x1p-23f - 1f;
    }

    /** Records that something wrote the gradients: the next {@link #ensurePristine} refills. */
    public void markWritten() {
        pristine = false;
    }

    /** {@return the shapes} */
    public ShapeSet shapes() {
        return shapes;
    }

    /** {@return the storage dtype} */
    public DType dtype() {
        return dtype;
    }

    /** {@return the tensors, slices of one slab, in the shapes' order} */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** {@return the slab: every tensor, with up to 63 bytes of padding after each} */
    public MemorySegment slab() {
        return slab;
    }

    /** {@return the bytes of the elements, padding not counted: the B of every floor and GB/s figure} */
    public long dataBytes() {
        return dataBytes;
    }

    @Override
    public void close() {
        arena.close();
    }
}
