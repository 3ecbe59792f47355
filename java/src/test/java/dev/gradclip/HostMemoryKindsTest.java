package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.gradclip.internal.Numerics;
import dev.gradclip.internal.cpu.CpuEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Heap arrays and NIO buffers clip the same as off-heap segments on every host backend: zero-copy on
 * java and for direct buffers; through a staging copy for heap memory on cpu (written back only when
 * the clip wrote).
 */
class HostMemoryKindsTest {
    static List<Backend> hostBackends() {
        List<Backend> b = new ArrayList<>(List.of(Backend.JAVA));
        if (CpuEngine.unavailableReason() == null) {
            b.add(Backend.CPU);
        }
        return b;
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"JAVA", "CPU"})
    void arraysAndBuffersAreClippedInPlace(Backend backend) {
        org.junit.jupiter.api.Assumptions.assumeTrue(hostBackends().contains(backend), "cpu backend unavailable");
        float[] f = {3, 4};
        double[] d = {0, 12};
        short[] h = {Numerics.floatToBf16(0), Numerics.floatToBf16(0)};
        FloatBuffer direct = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).asFloatBuffer().put(0, 0f).put(1, 0f);
        ByteBuffer bytes = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        try (GradClip clip = GradClip.open(backend);
                GradientSet set = clip.register(Tensor.of("f", f), Tensor.of("d", d), Tensor.of("h", h, DType.BF16),
                        Tensor.of("fb", direct), Tensor.of("bb", bytes, DType.F32))) {
            ClipResult r = set.clip(ClipPolicy.globalNorm(1.3).withRule(CoefficientRule.EXACT));
            assertEquals(13.0, r.totalNorm());
            assertArrayEquals(new float[] {(float) (3 * 0.1), (float) (4 * 0.1)}, f);
            assertArrayEquals(new double[] {0, 12 * 0.1}, d, 1e-15);
            ClipResult n = set.norm(2);
            assertEquals(1.3, n.totalNorm(), 1e-7);
            f[0] = 30; // the next step sees what the trainer wrote since
            assertEquals(Math.sqrt(900 + 0.16 + 1.44), set.norm(2).totalNorm(), 1e-5);
        }
    }

    @Test
    void buffersInTheWrongByteOrderAreRefused() {
        FloatBuffer big = ByteBuffer.allocateDirect(8).order(ByteOrder.BIG_ENDIAN).asFloatBuffer();
        if (ByteOrder.nativeOrder() != ByteOrder.BIG_ENDIAN) {
            assertThrows(IllegalArgumentException.class, () -> Tensor.of("big", big));
        }
        assertThrows(IllegalArgumentException.class, () -> Tensor.of("s", new short[2], DType.F32));
    }
}
