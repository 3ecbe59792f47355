package dev.gradclip.internal.cpu;

import dev.gradclip.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Off-heap copies of the heap-backed tensors among a list (native code cannot hold a pointer into the
 * Java heap across a call that runs on other threads): allocated once, copied in before a run that reads
 * them and out after a run that wrote them. Off-heap tensors are passed as they are.
 */
final class HostStaging {
    /** Staging buffers start on a cache line so the kernels' vector loads are aligned. */
    static final long ALIGNMENT = 64;
    static final HostStaging NONE = new HostStaging(new MemorySegment[0], new MemorySegment[0], new MemorySegment[0]);

    private final MemorySegment[] addresses;
    private final MemorySegment[] heapSources;
    private final MemorySegment[] staging;

    private HostStaging(MemorySegment[] addresses, MemorySegment[] heapSources, MemorySegment[] staging) {
        this.addresses = addresses;
        this.heapSources = heapSources;
        this.staging = staging;
    }

    /** Allocates staging in {@code arena} for every heap tensor of {@code tensors}. */
    static HostStaging of(Tensor[] tensors, Arena arena) {
        int heap = 0;
        for (Tensor t : tensors) {
            heap += t.data().isNative() ? 0 : 1;
        }
        MemorySegment[] addresses = new MemorySegment[tensors.length];
        MemorySegment[] sources = new MemorySegment[heap];
        MemorySegment[] copies = new MemorySegment[heap];
        for (int i = 0, h = 0; i < tensors.length; i++) {
            Tensor t = tensors[i];
            if (t.data().isNative()) {
                addresses[i] = t.data();
            } else {
                sources[h] = t.data().asSlice(0, t.byteSize());
                copies[h] = arena.allocate(Math.max(1, t.byteSize()), ALIGNMENT);
                addresses[i] = copies[h++];
            }
        }
        return new HostStaging(addresses, sources, copies);
    }

    /** {@return the memory native code reads or writes for tensor {@code i}} */
    MemorySegment address(int i) {
        return addresses[i];
    }

    /** Copies the heap tensors to their staging. */
    void copyIn() {
        for (int h = 0; h < heapSources.length; h++) {
            MemorySegment.copy(heapSources[h], 0, staging[h], 0, heapSources[h].byteSize());
        }
    }

    /** Copies the staging back to the heap tensors. */
    void copyOut() {
        for (int h = 0; h < heapSources.length; h++) {
            MemorySegment.copy(staging[h], 0, heapSources[h], 0, heapSources[h].byteSize());
        }
    }
}
