package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gradclip.internal.cpu.CpuEngine;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The bandwidth probes the benchmarks' floors use really read and copy every byte. */
class CpuProbeTest {
    @Test
    void readSumsEveryWordAndCopyCopiesEveryByte() {
        assumeTrue(CpuEngine.unavailableReason() == null, () -> "cpu backend unavailable: " + CpuEngine.unavailableReason());
        try (CpuEngine engine = CpuEngine.create(2); Arena arena = Arena.ofConfined()) {
            for (long bytes : new long[] {0, 1, 7, 8, 255, 4096 + 3, (3L << 20) + 13}) {
                MemorySegment src = arena.allocate(Math.max(1, bytes), 64);
                SplittableRandom rnd = new SplittableRandom(bytes);
                for (long i = 0; i < bytes; i++) {
                    src.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
                }
                MemorySegment slab = src.asSlice(0, bytes);
                long expected = 0;
                long i = 0;
                for (; i + 8 <= bytes; i += 8) {
                    expected += slab.get(ValueLayout.JAVA_LONG_UNALIGNED, i);
                }
                for (; i < bytes; i++) {
                    expected += slab.get(ValueLayout.JAVA_BYTE, i) & 0xff;
                }
                assertEquals(expected, engine.probeRead(slab), bytes + " bytes");
                MemorySegment dst = arena.allocate(Math.max(1, bytes), 64).asSlice(0, bytes);
                engine.probeCopy(dst, slab);
                assertEquals(-1, slab.mismatch(dst), bytes + " bytes copied");
            }
            MemorySegment both = arena.allocate(1024);
            assertThrows(IllegalArgumentException.class, () -> engine.probeCopy(both.asSlice(0, 512), both.asSlice(256, 512)));
        }
    }
}
