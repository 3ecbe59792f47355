package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every kind of bad input gets a clear exception naming the problem, and no gradient is written. */
abstract class BadInputTestBase {
    private GradClip clip;
    private Arena arena;

    protected abstract GradClip openBackend();

    @BeforeEach
    void open() {
        clip = openBackend();
        arena = Arena.ofShared();
    }

    @AfterEach
    void close() {
        if (clip != null) {
            clip.close();
        }
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    private MemorySegment floats(float... v) {
        MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, v.length));
        MemorySegment.copy(v, 0, s, ValueLayout.JAVA_FLOAT, 0, v.length);
        return s;
    }

    private static float[] read(MemorySegment s, int n) {
        return s.asSlice(0, 4L * n).toArray(ValueLayout.JAVA_FLOAT);
    }

    @Test
    void closedArenaAtRegistration() {
        Arena other = Arena.ofConfined();
        MemorySegment s = other.allocate(16);
        other.close();
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of("w", s, DType.F32, 4));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void arenaClosedAfterRegistration() {
        Arena other = Arena.ofShared();
        Tensor t = Tensor.of("w", other.allocate(16), DType.F32, 4);
        try (GradientSet set = clip.register(t)) {
            other.close();
            var e = assertThrows(IllegalStateException.class, () -> set.clip(ClipPolicy.globalNorm(1)));
            assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        }
    }

    @Test
    void segmentSmallerThanDeclared() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of("b", floats(1, 2, 3), DType.F32, 4));
        assertTrue(e.getMessage().contains("smaller"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of("b", floats(1, 2), DType.F64, 2));
    }

    @Test
    void misalignedForItsDtype() {
        MemorySegment s = arena.allocate(64, 8).asSlice(2);
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.of("m", s, DType.F32, 4));
        assertTrue(e.getMessage().contains("misaligned"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of("m", arena.allocate(64, 8).asSlice(4), DType.F64, 2));
        Tensor.of("ok", s, DType.BF16, 4); // 2-byte elements on a 2-byte boundary are fine
    }

    @Test
    void readOnlySegmentMayBeMeasuredButNotClipped() {
        MemorySegment s = floats(3, 4);
        try (GradientSet set = clip.register(Tensor.of("r", s.asReadOnly(), DType.F32, 2))) {
            assertEquals(5.0, set.norm(2).totalNorm());
            var e = assertThrows(IllegalArgumentException.class, () -> set.clip(ClipPolicy.globalNorm(1)));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> set.scale(0.5));
        }
        assertArrayEquals(new float[] {3, 4}, read(s, 2));
    }

    @Test
    void emptySetAndNullTensors() {
        assertThrows(IllegalArgumentException.class, () -> clip.register(List.of()));
        assertThrows(IllegalArgumentException.class, () -> clip.register((Tensor) null));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of("x", (MemorySegment) null, DType.F32, 1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of("x", floats(1), DType.F32, -1));
    }

    @Test
    void badThresholdsAndNormTypes() {
        for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> ClipPolicy.globalNorm(bad));
            assertThrows(IllegalArgumentException.class, () -> ClipPolicy.perTensorNorm(bad));
            assertThrows(IllegalArgumentException.class, () -> ClipPolicy.value(bad));
        }
        for (double p : new double[] {0, -2, Double.NaN, Double.NEGATIVE_INFINITY}) {
            var e = assertThrows(IllegalArgumentException.class, () -> ClipPolicy.globalNorm(1).withNormType(p));
            assertTrue(e.getMessage().contains("normType"), e.getMessage());
        }
        MemorySegment s = floats(3, 4);
        try (GradientSet set = clip.register(Tensor.of("g", s, DType.F32, 2))) {
            assertThrows(IllegalArgumentException.class, () -> set.norm(0));
            assertThrows(IllegalArgumentException.class, () -> set.scale(Double.NaN));
            assertThrows(IllegalArgumentException.class, () -> set.clip(null));
        }
        assertArrayEquals(new float[] {3, 4}, read(s, 2));
    }

    @Test
    void deviceTensorOnAHostBackend() {
        Tensor t = Tensor.onDevice("d", DeviceMemory.wrap(0x10000, 64), DType.F32, 16);
        var e = assertThrows(IllegalArgumentException.class, () -> clip.register(t));
        assertTrue(e.getMessage().contains("device"), e.getMessage());
    }

    @Test
    void closedGradientSet() {
        GradientSet set = clip.register(Tensor.of("g", floats(3, 4), DType.F32, 2));
        set.close();
        set.close(); // idempotent
        var e = assertThrows(IllegalStateException.class, () -> set.clip(ClipPolicy.globalNorm(1)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    /** Two threads on one set: one of them is refused while the other runs, never a crash or a mix. */
    @Test
    void concurrentUseIsRefused() throws Exception {
        long n = 4_000_000;
        MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, n);
        try (GradientSet set = clip.register(Tensor.of("big", s, DType.F32, n))) {
            AtomicReference<Throwable> refused = new AtomicReference<>();
            CountDownLatch start = new CountDownLatch(1);
            Runnable worker = () -> {
                try {
                    start.await();
                    long end = System.nanoTime() + 3_000_000_000L;
                    while (refused.get() == null && System.nanoTime() < end) {
                        try {
                            set.norm(2);
                        } catch (IllegalStateException e) {
                            refused.compareAndSet(null, e);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            Thread a = new Thread(worker);
            Thread b = new Thread(worker);
            a.start();
            b.start();
            start.countDown();
            a.join();
            b.join();
            Throwable e = refused.get();
            assertTrue(e != null, "two threads used one set for 3 s and neither was refused");
            assertTrue(e.getMessage().contains("two threads"), e.getMessage());
        }
    }
}
