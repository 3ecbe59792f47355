package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.internal.cuda.CudaEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * Without a GPU (CI) the cuda backend says why and everything else keeps working; with one, device
 * memory round-trips and device results reach the host only on demand.
 */
class CudaAvailabilityTest {
    @Test
    void unavailableCudaIsReportedNotFatal() {
        String reason = CudaEngine.unavailableReason();
        String listed = GradClip.availability().get(Backend.CUDA);
        if (reason == null) {
            assertTrue(listed.startsWith("available"), listed);
            return;
        }
        System.out.println("cuda unavailable here: " + reason);
        assertTrue(listed.startsWith("unavailable: "), listed);
        var e = assertThrows(BackendUnavailableException.class, () -> GradClip.open(Backend.CUDA));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertThrows(BackendUnavailableException.class, () -> DeviceMemory.allocate(1024));
        try (GradClip java = GradClip.open(Backend.JAVA); Arena arena = Arena.ofConfined()) {
            var s = arena.allocate(ValueLayout.JAVA_FLOAT, 2);
            s.setAtIndex(ValueLayout.JAVA_FLOAT, 0, 3);
            s.setAtIndex(ValueLayout.JAVA_FLOAT, 1, 4);
            try (GradientSet set = java.register(Tensor.of("g", s, DType.F32, 2))) {
                assertEquals(5.0, set.norm(2).totalNorm());
            }
        }
    }

    @Test
    void deviceMemoryRoundTripsAndRefusesHostUse() {
        try (GradClip clip = CudaPlacement.open(); Arena arena = Arena.ofConfined()) {
            var host = arena.allocate(ValueLayout.JAVA_FLOAT, 1000);
            for (int i = 0; i < 1000; i++) {
                host.setAtIndex(ValueLayout.JAVA_FLOAT, i, i);
            }
            try (DeviceMemory d = DeviceMemory.allocate(4000)) {
                d.copyFrom(host);
                assertThrows(IndexOutOfBoundsException.class, () -> d.segment().get(ValueLayout.JAVA_FLOAT, 0),
                        "a device segment must not be readable on the host");
                assertThrows(IllegalArgumentException.class, () -> d.copyFrom(arena.allocate(8000)));
                try (GradientSet set = clip.register(Tensor.onDevice("d", d, DType.F32, 1000))) {
                    set.clip(ClipPolicy.value(10));
                    assertTrue(set.deviceResultAddress() != 0);
                    assertEquals(989, set.lastResult().clippedCount());
                }
                var back = arena.allocate(ValueLayout.JAVA_FLOAT, 1000);
                d.copyTo(back);
                assertEquals(10f, back.getAtIndex(ValueLayout.JAVA_FLOAT, 999));
                assertEquals(3f, back.getAtIndex(ValueLayout.JAVA_FLOAT, 3));
            }
            var hostTensor = Tensor.of("h", host, DType.F32, 1000);
            assertThrows(IllegalArgumentException.class, () -> clip.register(hostTensor));
        }
    }

    /** A trainer's own stream: two sets on it, results fetched (and that stream synchronized) on read. */
    @Test
    void runsOnTheCallersStream() {
        try (GradClip clip = CudaPlacement.open(); Arena arena = Arena.ofConfined()) {
            long stream = dev.gradclip.internal.cuda.CudaRuntime.createStream();
            try (DeviceMemory d = DeviceMemory.allocate(4L * 4096)) {
                var host = arena.allocate(ValueLayout.JAVA_FLOAT, 4096);
                for (int i = 0; i < 4096; i++) {
                    host.setAtIndex(ValueLayout.JAVA_FLOAT, i, 1f);
                }
                d.copyFrom(host);
                try (GradientSet set = clip.register(Tensor.onDevice("w", d, DType.F32, 4096))) {
                    set.useCudaStream(stream);
                    for (int step = 0; step < 3; step++) {
                        ClipResult r = set.clip(ClipPolicy.globalNorm(8).withRule(CoefficientRule.EXACT));
                        assertEquals(step == 0 ? 64.0 : 8.0, r.totalNorm(), 1e-9);
                        assertEquals(step == 0, r.clipped());
                    }
                }
                d.copyTo(host);
                assertEquals(0.125f, host.getAtIndex(ValueLayout.JAVA_FLOAT, 4095));
            } finally {
                dev.gradclip.internal.cuda.CudaRuntime.destroyStream(stream);
            }
        }
    }

    @Test
    void cudaErrorsBecomeExceptionsNamingTheError() {
        try (GradClip clip = CudaPlacement.open()) {
            var e = assertThrows(NativeException.class, () -> DeviceMemory.allocate(1L << 52));
            assertEquals("cudaErrorMemoryAllocation", e.cudaError(), e.getMessage());
            assertTrue(e.getMessage().contains("4503599627370496 bytes"), e.getMessage());
            // The failure leaves the device usable.
            try (DeviceMemory ok = DeviceMemory.allocate(64)) {
                assertEquals(64, ok.byteSize());
            }
        }
    }
}
