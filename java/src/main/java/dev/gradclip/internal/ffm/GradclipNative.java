package dev.gradclip.internal.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Hand-written FFM bindings of native/include/gradclip.h, in jextract's shape: one static method per C
 * function, each backed by a private holder class (descriptor; handle linked on first call), so a
 * missing symbol fails as an UnsatisfiedLinkError naming it, and only when called.
 * GradclipNativeHeaderTest checks every descriptor, constant and struct layout here against the header.
 */
@SuppressWarnings("unused")
public final class GradclipNative {
    private GradclipNative() {}

    private static final Linker LINKER = Linker.nativeLinker();

    /** The CPU library, loaded on first use. */
    public static final class Cpu {
        private Cpu() {}

        /** {@return the load outcome of libgradclip_cpu} */
        public static NativeLibrary library() {
            return Holder.LIBRARY;
        }

        private static final class Holder {
            static final NativeLibrary LIBRARY = NativeLibrary.load("gradclip_cpu");
        }
    }

    /** The CUDA library, loaded on first use. */
    public static final class Cuda {
        private Cuda() {}

        /** {@return the load outcome of libgradclip_cuda} */
        public static NativeLibrary library() {
            return Holder.LIBRARY;
        }

        private static final class Holder {
            static final NativeLibrary LIBRARY = NativeLibrary.load("gradclip_cuda");
        }
    }

    static MethodHandle downcall(NativeLibrary library, String name, FunctionDescriptor descriptor) {
        SymbolLookup lookup = library.lookup();
        MemorySegment address = lookup.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("symbol " + name + " not found in " + library.origin()));
        return LINKER.downcallHandle(address, descriptor);
    }

    // ------------------------------------------------------------------ constants (#define GC_*)

    public static final int GC_ABI_VERSION = 2;
    public static final int GC_OK = 0;
    public static final int GC_E_INVALID = 1;
    public static final int GC_E_NOMEM = 2;
    public static final int GC_E_UNSUPPORTED = 3;
    public static final int GC_E_CUDA = 4;
    public static final int GC_E_INTERNAL = 5;
    public static final int GC_DTYPE_F32 = 0;
    public static final int GC_DTYPE_F64 = 1;
    public static final int GC_DTYPE_BF16 = 2;
    public static final int GC_DTYPE_F16 = 3;
    public static final int GC_MODE_NORM = 0;
    public static final int GC_MODE_GLOBAL = 1;
    public static final int GC_MODE_PER_TENSOR = 2;
    public static final int GC_MODE_VALUE = 3;
    public static final int GC_MODE_SCALE = 4;
    public static final int GC_MODE_BLOCK_RMS = 5;
    public static final int GC_MODE_AGC = 6;
    public static final int GC_MODE_PER_SAMPLE_FLAT = 7;
    public static final int GC_MODE_PER_SAMPLE_LAYER = 8;
    public static final int GC_NONFINITE_ERROR = 0;
    public static final int GC_NONFINITE_SKIP = 1;
    public static final int GC_NONFINITE_PROPAGATE = 2;
    public static final int GC_RULE_TORCH = 0;
    public static final int GC_RULE_EXACT = 1;
    public static final double GC_TORCH_EPS = 1e-6;
    public static final int GC_UNITS_WHOLE = 0;
    public static final int GC_UNITS_ROWS = 1;
    public static final int GC_UNITS_COLUMNS = 2;
    public static final int GC_ISA_SCALAR = 0;
    public static final int GC_ISA_AVX2 = 1;
    public static final int GC_ISA_AVX512 = 2;
    public static final int GC_COPY_HOST_TO_DEVICE = 1;
    public static final int GC_COPY_DEVICE_TO_HOST = 2;
    public static final int GC_COPY_DEVICE_TO_DEVICE = 3;

    // ------------------------------------------------------------------ structs

    /** {@code gc_tensor}: 24 bytes. */
    public static final StructLayout GC_TENSOR = MemoryLayout.structLayout(
            ADDRESS.withName("data"),
            JAVA_LONG.withName("count"),
            JAVA_INT.withName("dtype"),
            JAVA_INT.withName("reserved")).withName("gc_tensor");

    /** {@code gc_op}: 64 bytes. */
    public static final StructLayout GC_OP = MemoryLayout.structLayout(
            JAVA_INT.withName("mode"),
            JAVA_INT.withName("nonfinite"),
            JAVA_INT.withName("rule"),
            JAVA_INT.withName("reserved"),
            JAVA_DOUBLE.withName("norm_type"),
            JAVA_DOUBLE.withName("threshold"),
            JAVA_DOUBLE.withName("eps"),
            JAVA_DOUBLE.withName("noise_multiplier"),
            JAVA_DOUBLE.withName("divisor"),
            JAVA_LONG.withName("seed")).withName("gc_op");

    /** {@code gc_units}: 24 bytes. */
    public static final StructLayout GC_UNITS = MemoryLayout.structLayout(
            ADDRESS.withName("params"),
            JAVA_LONG.withName("units"),
            JAVA_INT.withName("layout"),
            JAVA_INT.withName("params_dtype")).withName("gc_units");

    /** {@code gc_result}: 32 bytes. */
    public static final StructLayout GC_RESULT = MemoryLayout.structLayout(
            JAVA_DOUBLE.withName("total_norm"),
            JAVA_DOUBLE.withName("coefficient"),
            JAVA_LONG.withName("clipped_count"),
            JAVA_INT.withName("clipped"),
            JAVA_INT.withName("nonfinite")).withName("gc_result");

    // ------------------------------------------------------------------ functions

    private static final class gc_cpu_abi_version {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_abi_version", DESC);
        }
    }

    /** {@code int32_t gc_cpu_abi_version(void)} */
    public static int gc_cpu_abi_version() {
        try {
            return (int) gc_cpu_abi_version.Linked.HANDLE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_last_error {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_last_error", DESC);
        }
    }

    /** {@code const char* gc_cpu_last_error(void)} */
    public static MemorySegment gc_cpu_last_error() {
        try {
            return (MemorySegment) gc_cpu_last_error.Linked.HANDLE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_isa {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_isa", DESC);
        }
    }

    /** {@code int32_t gc_cpu_isa(void)} */
    public static int gc_cpu_isa() {
        try {
            return (int) gc_cpu_isa.Linked.HANDLE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_isa_supported {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_isa_supported", DESC);
        }
    }

    /** {@code int32_t gc_cpu_isa_supported(void)} */
    public static int gc_cpu_isa_supported() {
        try {
            return (int) gc_cpu_isa_supported.Linked.HANDLE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_force_isa {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_force_isa", DESC);
        }
    }

    /** {@code int gc_cpu_force_isa(int32_t isa)} */
    public static int gc_cpu_force_isa(int isa) {
        try {
            return (int) gc_cpu_force_isa.Linked.HANDLE.invokeExact(isa);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_pool_create {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_pool_create", DESC);
        }
    }

    /** {@code int gc_cpu_pool_create(int32_t threads, gc_cpu_pool** out)} */
    public static int gc_cpu_pool_create(int threads, MemorySegment out) {
        try {
            return (int) gc_cpu_pool_create.Linked.HANDLE.invokeExact(threads, out);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_pool_threads {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_pool_threads", DESC);
        }
    }

    /** {@code int32_t gc_cpu_pool_threads(const gc_cpu_pool* pool)} */
    public static int gc_cpu_pool_threads(MemorySegment pool) {
        try {
            return (int) gc_cpu_pool_threads.Linked.HANDLE.invokeExact(pool);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_pool_destroy {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_pool_destroy", DESC);
        }
    }

    /** {@code void gc_cpu_pool_destroy(gc_cpu_pool* pool)} */
    public static void gc_cpu_pool_destroy(MemorySegment pool) {
        try {
            gc_cpu_pool_destroy.Linked.HANDLE.invokeExact(pool);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_set_create {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_set_create", DESC);
        }
    }

    /** {@code int gc_cpu_set_create(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cpu_set** out)} */
    public static int gc_cpu_set_create(MemorySegment tensors, long n, long chunk_elems, MemorySegment out) {
        try {
            return (int) gc_cpu_set_create.Linked.HANDLE.invokeExact(tensors, n, chunk_elems, out);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_set_chunks {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_LONG, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_set_chunks", DESC);
        }
    }

    /** {@code int64_t gc_cpu_set_chunks(const gc_cpu_set* set)} */
    public static long gc_cpu_set_chunks(MemorySegment set) {
        try {
            return (long) gc_cpu_set_chunks.Linked.HANDLE.invokeExact(set);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_set_units {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_set_units", DESC);
        }
    }

    /** {@code int gc_cpu_set_units(gc_cpu_set* set, const gc_units* units, int64_t n)} */
    public static int gc_cpu_set_units(MemorySegment set, MemorySegment units, long n) {
        try {
            return (int) gc_cpu_set_units.Linked.HANDLE.invokeExact(set, units, n);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_set_samples {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_set_samples", DESC);
        }
    }

    /** {@code int gc_cpu_set_samples(gc_cpu_set* set, int64_t batch, const gc_tensor* outputs, int64_t n)} */
    public static int gc_cpu_set_samples(MemorySegment set, long batch, MemorySegment outputs, long n) {
        try {
            return (int) gc_cpu_set_samples.Linked.HANDLE.invokeExact(set, batch, outputs, n);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_set_destroy {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_set_destroy", DESC);
        }
    }

    /** {@code void gc_cpu_set_destroy(gc_cpu_set* set)} */
    public static void gc_cpu_set_destroy(MemorySegment set) {
        try {
            gc_cpu_set_destroy.Linked.HANDLE.invokeExact(set);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_run {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_run", DESC);
        }
    }

    /** {@code int gc_cpu_run(gc_cpu_pool* pool, gc_cpu_set* set, const gc_op* op, double* tensor_norms, gc_result* result)} */
    public static int gc_cpu_run(MemorySegment pool, MemorySegment set, MemorySegment op, MemorySegment tensor_norms, MemorySegment result) {
        try {
            return (int) gc_cpu_run.Linked.HANDLE.invokeExact(pool, set, op, tensor_norms, result);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_probe_read {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);

        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_probe_read", DESC);
        }
    }

    /** {@code int gc_cpu_probe_read(gc_cpu_pool* pool, const void* data, int64_t bytes, uint64_t* sink)} */
    public static int gc_cpu_probe_read(MemorySegment pool, MemorySegment data, long bytes, MemorySegment sink) {
        try {
            return (int) gc_cpu_probe_read.Linked.HANDLE.invokeExact(pool, data, bytes, sink);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cpu_probe_copy {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG);

        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cpu.library(), "gc_cpu_probe_copy", DESC);
        }
    }

    /** {@code int gc_cpu_probe_copy(gc_cpu_pool* pool, void* dst, const void* src, int64_t bytes)} */
    public static int gc_cpu_probe_copy(MemorySegment pool, MemorySegment dst, MemorySegment src, long bytes) {
        try {
            return (int) gc_cpu_probe_copy.Linked.HANDLE.invokeExact(pool, dst, src, bytes);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_abi_version {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_abi_version", DESC);
        }
    }

    /** {@code int32_t gc_cuda_abi_version(void)} */
    public static int gc_cuda_abi_version() {
        try {
            return (int) gc_cuda_abi_version.Linked.HANDLE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_last_error {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_last_error", DESC);
        }
    }

    /** {@code const char* gc_cuda_last_error(void)} */
    public static MemorySegment gc_cuda_last_error() {
        try {
            return (MemorySegment) gc_cuda_last_error.Linked.HANDLE.invokeExact();
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_device_count {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_device_count", DESC);
        }
    }

    /** {@code int gc_cuda_device_count(int32_t* out)} */
    public static int gc_cuda_device_count(MemorySegment out) {
        try {
            return (int) gc_cuda_device_count.Linked.HANDLE.invokeExact(out);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_device_info {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_device_info", DESC);
        }
    }

    /** {@code int gc_cuda_device_info(int32_t device, char* name, int32_t name_len, int64_t* total_bytes, int32_t* sm_major, int32_t* sm_minor)} */
    public static int gc_cuda_device_info(int device, MemorySegment name, int name_len, MemorySegment total_bytes, MemorySegment sm_major, MemorySegment sm_minor) {
        try {
            return (int) gc_cuda_device_info.Linked.HANDLE.invokeExact(device, name, name_len, total_bytes, sm_major, sm_minor);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_set_device {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_set_device", DESC);
        }
    }

    /** {@code int gc_cuda_set_device(int32_t device)} */
    public static int gc_cuda_set_device(int device) {
        try {
            return (int) gc_cuda_set_device.Linked.HANDLE.invokeExact(device);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_malloc {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_malloc", DESC);
        }
    }

    /** {@code int gc_cuda_malloc(int64_t bytes, void** out)} */
    public static int gc_cuda_malloc(long bytes, MemorySegment out) {
        try {
            return (int) gc_cuda_malloc.Linked.HANDLE.invokeExact(bytes, out);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_free {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_free", DESC);
        }
    }

    /** {@code int gc_cuda_free(void* ptr)} */
    public static int gc_cuda_free(MemorySegment ptr) {
        try {
            return (int) gc_cuda_free.Linked.HANDLE.invokeExact(ptr);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_memset {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_memset", DESC);
        }
    }

    /** {@code int gc_cuda_memset(void* ptr, int32_t value, int64_t bytes)} */
    public static int gc_cuda_memset(MemorySegment ptr, int value, long bytes) {
        try {
            return (int) gc_cuda_memset.Linked.HANDLE.invokeExact(ptr, value, bytes);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_memcpy {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_memcpy", DESC);
        }
    }

    /** {@code int gc_cuda_memcpy(void* dst, const void* src, int64_t bytes, int32_t kind, void* stream)} */
    public static int gc_cuda_memcpy(MemorySegment dst, MemorySegment src, long bytes, int kind, MemorySegment stream) {
        try {
            return (int) gc_cuda_memcpy.Linked.HANDLE.invokeExact(dst, src, bytes, kind, stream);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_stream_create {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_stream_create", DESC);
        }
    }

    /** {@code int gc_cuda_stream_create(void** out)} */
    public static int gc_cuda_stream_create(MemorySegment out) {
        try {
            return (int) gc_cuda_stream_create.Linked.HANDLE.invokeExact(out);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_stream_destroy {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_stream_destroy", DESC);
        }
    }

    /** {@code int gc_cuda_stream_destroy(void* stream)} */
    public static int gc_cuda_stream_destroy(MemorySegment stream) {
        try {
            return (int) gc_cuda_stream_destroy.Linked.HANDLE.invokeExact(stream);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_stream_synchronize {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_stream_synchronize", DESC);
        }
    }

    /** {@code int gc_cuda_stream_synchronize(void* stream)} */
    public static int gc_cuda_stream_synchronize(MemorySegment stream) {
        try {
            return (int) gc_cuda_stream_synchronize.Linked.HANDLE.invokeExact(stream);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_set_create {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_set_create", DESC);
        }
    }

    /** {@code int gc_cuda_set_create(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cuda_set** out)} */
    public static int gc_cuda_set_create(MemorySegment tensors, long n, long chunk_elems, MemorySegment out) {
        try {
            return (int) gc_cuda_set_create.Linked.HANDLE.invokeExact(tensors, n, chunk_elems, out);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_set_chunks {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_LONG, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_set_chunks", DESC);
        }
    }

    /** {@code int64_t gc_cuda_set_chunks(const gc_cuda_set* set)} */
    public static long gc_cuda_set_chunks(MemorySegment set) {
        try {
            return (long) gc_cuda_set_chunks.Linked.HANDLE.invokeExact(set);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_set_units {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_set_units", DESC);
        }
    }

    /** {@code int gc_cuda_set_units(gc_cuda_set* set, const gc_units* units, int64_t n)} */
    public static int gc_cuda_set_units(MemorySegment set, MemorySegment units, long n) {
        try {
            return (int) gc_cuda_set_units.Linked.HANDLE.invokeExact(set, units, n);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_set_samples {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_set_samples", DESC);
        }
    }

    /** {@code int gc_cuda_set_samples(gc_cuda_set* set, int64_t batch, const gc_tensor* outputs, int64_t n)} */
    public static int gc_cuda_set_samples(MemorySegment set, long batch, MemorySegment outputs, long n) {
        try {
            return (int) gc_cuda_set_samples.Linked.HANDLE.invokeExact(set, batch, outputs, n);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_set_destroy {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_set_destroy", DESC);
        }
    }

    /** {@code int gc_cuda_set_destroy(gc_cuda_set* set)} */
    public static int gc_cuda_set_destroy(MemorySegment set) {
        try {
            return (int) gc_cuda_set_destroy.Linked.HANDLE.invokeExact(set);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_run {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_run", DESC);
        }
    }

    /** {@code int gc_cuda_run(gc_cuda_set* set, const gc_op* op, void* stream)} */
    public static int gc_cuda_run(MemorySegment set, MemorySegment op, MemorySegment stream) {
        try {
            return (int) gc_cuda_run.Linked.HANDLE.invokeExact(set, op, stream);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_result {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_result", DESC);
        }
    }

    /** {@code int gc_cuda_result(gc_cuda_set* set, void* stream, double* tensor_norms, gc_result* result)} */
    public static int gc_cuda_result(MemorySegment set, MemorySegment stream, MemorySegment tensor_norms, MemorySegment result) {
        try {
            return (int) gc_cuda_result.Linked.HANDLE.invokeExact(set, stream, tensor_norms, result);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }

    private static final class gc_cuda_device_result {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(ADDRESS, ADDRESS);
        /** Linked on first call, apart from DESC, so the descriptor can be read without the library. */
        static final class Linked {
            static final MethodHandle HANDLE = downcall(Cuda.library(), "gc_cuda_device_result", DESC);
        }
    }

    /** {@code const gc_result* gc_cuda_device_result(const gc_cuda_set* set)} */
    public static MemorySegment gc_cuda_device_result(MemorySegment set) {
        try {
            return (MemorySegment) gc_cuda_device_result.Linked.HANDLE.invokeExact(set);
        } catch (Error | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("unreachable: native call threw", t);
        }
    }
}
