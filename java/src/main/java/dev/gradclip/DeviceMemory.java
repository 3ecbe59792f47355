package dev.gradclip;

import dev.gradclip.internal.Checks;
import dev.gradclip.internal.cuda.CudaRuntime;
import java.lang.foreign.MemorySegment;

/**
 * A range of CUDA device memory: allocated here ({@link #allocate}) or owned by another framework
 * ({@link #wrap}). It is never dereferenced on the host: {@link #segment()} is a zero-length segment
 * that only carries the address, so host code that tries to read it fails instead of crashing.
 */
public final class DeviceMemory implements AutoCloseable {
    private final long address;
    private final long byteSize;
    private final boolean owned;
    private volatile boolean closed;

    private DeviceMemory(long address, long byteSize, boolean owned) {
        this.address = address;
        this.byteSize = byteSize;
        this.owned = owned;
    }

    /**
     * {@return {@code byteSize} bytes of device memory on the current device, freed by {@link #close()}}
     *
     * @throws BackendUnavailableException if no CUDA device can be used
     * @throws NativeException if the allocation fails (e.g. cudaErrorMemoryAllocation)
     */
    public static DeviceMemory allocate(long byteSize) {
        Checks.requireArgument(byteSize > 0, "byteSize must be > 0, got " + byteSize);
        CudaRuntime.requireAvailable();
        return new DeviceMemory(CudaRuntime.malloc(byteSize), byteSize, true);
    }

    /**
     * {@return a view of device memory another framework owns (e.g. a PyTorch or DJL tensor's data
     * pointer); {@link #close()} does not free it}
     */
    public static DeviceMemory wrap(long address, long byteSize) {
        Checks.requireArgument(address != 0, "address must not be 0");
        Checks.requireArgument(byteSize >= 0, "byteSize must be >= 0, got " + byteSize);
        return new DeviceMemory(address, byteSize, false);
    }

    /** {@return the device address} */
    public long address() {
        return address;
    }

    /** {@return the size in bytes} */
    public long byteSize() {
        return byteSize;
    }

    /** {@return a zero-length segment holding the device address: passable to native code, not readable} */
    public MemorySegment segment() {
        return MemorySegment.ofAddress(address);
    }

    /**
     * Copies {@code host} (off-heap) to the start of this memory and waits for the copy.
     *
     * @throws IllegalArgumentException if {@code host} is on the heap or larger than this memory
     */
    public void copyFrom(MemorySegment host) {
        checkHost(host);
        CudaRuntime.copy(segment(), host, host.byteSize(), CudaRuntime.HOST_TO_DEVICE);
    }

    /**
     * Copies the start of this memory into {@code host} (off-heap, {@code host.byteSize()} bytes) and waits.
     *
     * @throws IllegalArgumentException if {@code host} is on the heap, read-only or larger than this memory
     */
    public void copyTo(MemorySegment host) {
        checkHost(host);
        Checks.requireArgument(!host.isReadOnly(), "host segment is read-only");
        CudaRuntime.copy(host, segment(), host.byteSize(), CudaRuntime.DEVICE_TO_HOST);
    }

    /**
     * Copies the first {@code bytes} bytes of {@code source} to the start of this memory, on the
     * device, and waits for the copy.
     *
     * @throws IllegalArgumentException if either side is shorter than {@code bytes}
     */
    public void copyFrom(DeviceMemory source, long bytes) {
        Checks.requireState(!closed && !source.closed, "device memory is closed");
        Checks.requireArgument(bytes >= 0 && bytes <= byteSize && bytes <= source.byteSize, "cannot copy " + bytes
                + " bytes from " + source.byteSize + " to " + byteSize + " bytes of device memory");
        CudaRuntime.copy(segment(), source.segment(), bytes, CudaRuntime.DEVICE_TO_DEVICE);
    }

    private void checkHost(MemorySegment host) {
        Checks.requireState(!closed, "device memory is closed");
        Checks.requireNonNull("host", host);
        Checks.requireArgument(host.isNative(), "host segment must be off-heap (allocate it from an Arena)");
        Checks.requireArgument(host.byteSize() <= byteSize, "host segment of " + host.byteSize()
                + " bytes is larger than the " + byteSize + " bytes of device memory");
    }

    /** Frees the memory if it was allocated here; a wrapped pointer is left to its owner. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (owned) {
                CudaRuntime.free(address);
            }
        }
    }

    @Override
    public String toString() {
        return "DeviceMemory[0x" + Long.toHexString(address) + ", " + byteSize + " bytes" + (owned ? "" : ", wrapped") + "]";
    }
}
