package dev.gradclip.internal;

import dev.gradclip.Backend;
import dev.gradclip.internal.cpu.CpuEngine;
import dev.gradclip.internal.cuda.CudaEngine;
import dev.gradclip.internal.reference.ReferenceEngine;
import java.util.EnumMap;
import java.util.Map;

/**
 * Picks a backend. A forced choice that cannot run throws with the reason; AUTO takes cpu when it
 * loads and otherwise logs one warning saying why and what to do, then uses java.
 */
public final class Engines {
    private Engines() {}

    private static final System.Logger LOG = System.getLogger("dev.gradclip");

    /** Warn once per JVM, not once per GradClip. */
    private static volatile boolean fallbackLogged;

    public static Engine open(Backend backend, int threads) {
        return switch (backend) {
            case JAVA -> new ReferenceEngine();
            case CPU -> CpuEngine.create(threads);
            case CUDA -> CudaEngine.create();
            case AUTO -> auto(threads);
        };
    }

    private static Engine auto(int threads) {
        String reason = CpuEngine.unavailableReason();
        if (reason == null) {
            return CpuEngine.create(threads);
        }
        if (!fallbackLogged) {
            fallbackLogged = true;
            LOG.log(System.Logger.Level.WARNING, "gradclip: cpu backend unavailable (" + reason + "); using the java "
                    + "backend, which is exact but slower. Build the native library (./mvnw package) or set "
                    + "-Dgradclip.library.path to a folder with libgradclip_cpu.");
        }
        return new ReferenceEngine();
    }

    public static Map<Backend, String> availability() {
        Map<Backend, String> m = new EnumMap<>(Backend.class);
        m.put(Backend.JAVA, "available: pure Java reference");
        String cpu = CpuEngine.unavailableReason();
        m.put(Backend.CPU, cpu == null ? "available: isa " + CpuEngine.isa() : "unavailable: " + cpu);
        String cuda = CudaEngine.unavailableReason();
        m.put(Backend.CUDA, cuda == null ? "available: " + CudaEngine.deviceSummary() : "unavailable: " + cuda);
        m.put(Backend.AUTO, "picks " + (cpu == null ? "cpu" : "java"));
        return m;
    }
}
