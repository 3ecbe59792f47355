package dev.gradclip.internal.cuda;

import dev.gradclip.Backend;
import dev.gradclip.BackendUnavailableException;
import dev.gradclip.internal.ffm.GradclipNative;
import dev.gradclip.internal.ffm.NativeLibrary;
import dev.gradclip.internal.ffm.NativeStatus;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** libgradclip_cuda's runtime calls (devices, memory, streams), each checked and turned into exceptions. */
public final class CudaRuntime {
    private CudaRuntime() {}

    /** Device memory copy directions of the C ABI. */
    public static final int HOST_TO_DEVICE = GradclipNative.GC_COPY_HOST_TO_DEVICE;
    public static final int DEVICE_TO_HOST = GradclipNative.GC_COPY_DEVICE_TO_HOST;
    public static final int DEVICE_TO_DEVICE = GradclipNative.GC_COPY_DEVICE_TO_DEVICE;

    /** {@return null when a CUDA device can be used, else why not (library, ABI, driver or device)} */
    public static String unavailableReason() {
        NativeLibrary lib = GradclipNative.Cuda.library();
        if (!lib.isLoaded()) {
            return lib.reason();
        }
        int abi = GradclipNative.gc_cuda_abi_version();
        if (abi != GradclipNative.GC_ABI_VERSION) {
            return "libgradclip_cuda has ABI version " + abi + ", this jar needs " + GradclipNative.GC_ABI_VERSION;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            int status = GradclipNative.gc_cuda_device_count(count);
            if (status != GradclipNative.GC_OK) {
                return "no usable CUDA driver or device (" + lastError() + ")";
            }
            if (count.get(ValueLayout.JAVA_INT, 0) == 0) {
                return "no CUDA device found";
            }
        }
        return null;
    }

    /** @throws BackendUnavailableException if no CUDA device can be used */
    public static void requireAvailable() {
        String reason = unavailableReason();
        if (reason != null) {
            throw new BackendUnavailableException(Backend.CUDA, reason, GradclipNative.Cuda.library().failure());
        }
    }

    static String lastError() {
        MemorySegment m = GradclipNative.gc_cuda_last_error();
        return m.equals(MemorySegment.NULL) ? "" : m.reinterpret(4096).getString(0);
    }

    static void check(int status, String what) {
        NativeStatus.check(status, what, GradclipNative::gc_cuda_last_error);
    }

    /** {@return e.g. "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)" for device {@code device}} */
    public static String describe(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(256);
            MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment major = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment minor = arena.allocate(ValueLayout.JAVA_INT);
            check(GradclipNative.gc_cuda_device_info(device, name, 256, total, major, minor), "querying device " + device);
            return String.format(java.util.Locale.ROOT, "%s (sm_%d%d, %.1f GiB)", name.getString(0),
                    major.get(ValueLayout.JAVA_INT, 0), minor.get(ValueLayout.JAVA_INT, 0),
                    total.get(ValueLayout.JAVA_LONG, 0) / (1024.0 * 1024 * 1024));
        }
    }

    public static void setDevice(int device) {
        check(GradclipNative.gc_cuda_set_device(device), "selecting CUDA device " + device);
    }

    public static long malloc(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check(GradclipNative.gc_cuda_malloc(bytes, out), "allocating " + bytes + " bytes of device memory");
            return out.get(ValueLayout.ADDRESS, 0).address();
        }
    }

    public static void free(long address) {
        check(GradclipNative.gc_cuda_free(MemorySegment.ofAddress(address)), "freeing device memory");
    }

    /** Copies {@code bytes} and waits for the copy (on the legacy default stream). */
    public static void copy(MemorySegment dst, MemorySegment src, long bytes, int kind) {
        check(GradclipNative.gc_cuda_memcpy(dst, src, bytes, kind, MemorySegment.NULL), "copying " + bytes + " bytes");
    }

    /** {@return a new CUDA stream's handle (a {@code cudaStream_t}); destroy it with {@link #destroyStream}} */
    public static long createStream() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            check(GradclipNative.gc_cuda_stream_create(out), "creating a stream");
            return out.get(ValueLayout.ADDRESS, 0).address();
        }
    }

    public static void destroyStream(long stream) {
        check(GradclipNative.gc_cuda_stream_destroy(MemorySegment.ofAddress(stream)), "destroying a stream");
    }

    public static void synchronize(long stream) {
        check(GradclipNative.gc_cuda_stream_synchronize(MemorySegment.ofAddress(stream)), "synchronizing the stream");
    }
}
