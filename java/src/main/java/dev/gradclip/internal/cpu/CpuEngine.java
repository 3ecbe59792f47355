package dev.gradclip.internal.cpu;

import static dev.gradclip.internal.ffm.GradclipNative.GC_ABI_VERSION;

import dev.gradclip.Backend;
import dev.gradclip.BackendUnavailableException;
import dev.gradclip.Tensor;
import dev.gradclip.internal.Engine;
import dev.gradclip.internal.PreparedSet;
import dev.gradclip.internal.ffm.GradclipNative;
import dev.gradclip.internal.ffm.NativeLibrary;
import dev.gradclip.internal.ffm.NativeStatus;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/** The native CPU backend: a persistent thread pool of libgradclip_cpu shared by the sets it prepares. */
public final class CpuEngine implements Engine {
    private static final String[] ISA_NAMES = {"scalar", "avx2", "avx512"};

    private final MemorySegment pool;
    private final int threads;
    private boolean closed;

    private CpuEngine(MemorySegment pool, int threads) {
        this.pool = pool;
        this.threads = threads;
    }

    /**
     * Starts a pool of {@code threads} workers (0: one per hardware thread).
     *
     * @throws BackendUnavailableException if libgradclip_cpu did not load or is of another ABI version
     */
    public static CpuEngine create(int threads) {
        String reason = unavailableReason();
        if (reason != null) {
            throw new BackendUnavailableException(Backend.CPU, reason, GradclipNative.Cpu.library().failure());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            NativeStatus.check(GradclipNative.gc_cpu_pool_create(threads, out), "creating the CPU thread pool",
                    GradclipNative::gc_cpu_last_error);
            MemorySegment pool = out.get(ValueLayout.ADDRESS, 0);
            return new CpuEngine(pool, GradclipNative.gc_cpu_pool_threads(pool));
        }
    }

    /** {@return null when the CPU backend can run here, else why not} */
    public static String unavailableReason() {
        NativeLibrary lib = GradclipNative.Cpu.library();
        if (!lib.isLoaded()) {
            return lib.reason();
        }
        int abi = GradclipNative.gc_cpu_abi_version();
        if (abi != GC_ABI_VERSION) {
            return "libgradclip_cpu has ABI version " + abi + ", this jar needs " + GC_ABI_VERSION;
        }
        return null;
    }

    /** {@return the instruction set the kernels use, e.g. "avx512"} */
    public static String isa() {
        int isa = GradclipNative.gc_cpu_isa();
        return isa >= 0 && isa < ISA_NAMES.length ? ISA_NAMES[isa] : "isa" + isa;
    }

    /** Test knob: makes the kernels use {@code isa} ("scalar", "avx2", "avx512") process-wide. */
    public static void forceIsa(String isa) {
        int code = java.util.Arrays.asList(ISA_NAMES).indexOf(isa.toLowerCase(Locale.ROOT));
        if (code < 0) {
            throw new IllegalArgumentException("unknown ISA '" + isa + "'; known: scalar, avx2, avx512");
        }
        NativeStatus.check(GradclipNative.gc_cpu_force_isa(code), "forcing ISA " + isa, GradclipNative::gc_cpu_last_error);
    }

    /** {@return the best instruction set this CPU supports} */
    public static String supportedIsa() {
        return ISA_NAMES[GradclipNative.gc_cpu_isa_supported()];
    }

    @Override
    public Backend backend() {
        return Backend.CPU;
    }

    @Override
    public String description() {
        return "cpu (" + isa() + ", " + threads + (threads == 1 ? " thread)" : " threads)");
    }

    /** {@return the number of threads the pool runs, the caller's included} */
    public int threads() {
        return threads;
    }

    /**
     * Reads {@code data} once on this engine's threads with the widest loads the CPU has: the read floor
     * the benchmarks hold the kernels to. {@return the sum of its 64-bit words, so no read is skipped}
     */
    public long probeRead(MemorySegment data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sink = arena.allocate(ValueLayout.JAVA_LONG);
            NativeStatus.check(GradclipNative.gc_cpu_probe_read(pool, data, data.byteSize(), sink), "probing reads",
                    GradclipNative::gc_cpu_last_error);
            return sink.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /** Copies {@code src} into {@code dst} (as large, not overlapping) on this engine's threads: the copy floor. */
    public void probeCopy(MemorySegment dst, MemorySegment src) {
        if (dst.byteSize() < src.byteSize()) {
            throw new IllegalArgumentException("destination of " + dst.byteSize() + " bytes is smaller than " + src.byteSize());
        }
        NativeStatus.check(GradclipNative.gc_cpu_probe_copy(pool, dst, src, src.byteSize()), "probing copies",
                GradclipNative::gc_cpu_last_error);
    }

    MemorySegment pool() {
        return pool;
    }

    @Override
    public PreparedSet prepare(Tensor[] tensors, long chunkElements) {
        if (closed) {
            throw new IllegalStateException("the cpu engine is closed");
        }
        return new CpuSet(this, tensors, chunkElements);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            GradclipNative.gc_cpu_pool_destroy(pool);
        }
    }
}
