package dev.gradclip.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.gradclip.DType;
import dev.gradclip.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * DJL arrays seen as gradclip tensors: over the array's own storage where the engine exposes it (zero
 * copy), otherwise over an off-heap staging buffer allocated once, refreshed from the array before use
 * and written back after a change.
 */
final class ArrayBinding {
    private final List<NDArray> arrays;
    private final MemorySegment[] staging;   // null where zero-copy
    private final ByteBuffer[] direct;       // keeps zero-copy buffers (and their owners) reachable
    private final List<Tensor> tensors;
    private final int zeroCopy;

    /** @param stageAll stage every array, as for an engine without in-place buffers (a test knob) */
    ArrayBinding(List<String> names, List<NDArray> arrays, boolean stageAll, Arena arena) {
        this.arrays = List.copyOf(arrays);
        int n = arrays.size();
        staging = new MemorySegment[n];
        direct = new ByteBuffer[n];
        List<Tensor> list = new ArrayList<>(n);
        int inPlace = 0;
        for (int i = 0; i < n; i++) {
            NDArray a = arrays.get(i);
            DType dtype = DjlGradientClipper.dtype(a.getDataType());
            long[] shape = a.getShape().getShape();
            ByteBuffer buffer = stageAll ? null : inPlaceBuffer(a);
            if (buffer != null) {
                direct[i] = buffer;
                list.add(Tensor.of(names.get(i), buffer, dtype, shape));
                inPlace++;
            } else {
                long bytes = a.size() * dtype.byteSize();
                staging[i] = arena.allocate(Math.max(bytes, 1), dtype.byteSize());
                list.add(Tensor.of(names.get(i), staging[i], dtype, shape));
            }
        }
        this.tensors = List.copyOf(list);
        this.zeroCopy = inPlace;
    }

    /** The array's own storage as a direct buffer in native order, or null when the engine would copy. */
    private static ByteBuffer inPlaceBuffer(NDArray a) {
        if (!Device.Type.CPU.equals(a.getDevice().getDeviceType()) || a.isSparse() || a.size() == 0) {
            return null;
        }
        ByteBuffer first;
        ByteBuffer second;
        try {
            first = a.toByteBuffer(true);
            second = a.toByteBuffer(true);
        } catch (UnsupportedOperationException e) {
            return null;
        }
        if (!first.isDirect() || !second.isDirect()) {
            return null;
        }
        long address = MemorySegment.ofBuffer(first).address();
        if (address != MemorySegment.ofBuffer(second).address() || first.remaining() < a.size() * a.getDataType().getNumOfBytes()) {
            return null;   // a fresh copy each call: not the array's storage
        }
        return first.order(ByteOrder.nativeOrder());
    }

    List<Tensor> tensors() {
        return tensors;
    }

    int zeroCopyCount() {
        return zeroCopy;
    }

    /** Copies the staged arrays' current values into their staging buffers. */
    void refresh() {
        for (int i = 0; i < staging.length; i++) {
            if (staging[i] != null) {
                ByteBuffer copy = arrays.get(i).toByteBuffer();
                MemorySegment.copy(MemorySegment.ofBuffer(copy), 0, staging[i], 0, copy.remaining());
            }
        }
    }

    /** Writes the staging buffers back into their arrays. */
    void writeBack() {
        for (int i = 0; i < staging.length; i++) {
            if (staging[i] != null) {
                arrays.get(i).set(staging[i].asByteBuffer().order(ByteOrder.nativeOrder()));
            }
        }
    }
}
