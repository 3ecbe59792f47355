package dev.gradclip.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FloorTest {
    private static final long GB = 1_000_000_000L;
    /** Reads at 10 GB/s; copies at 20 GB/s counting both directions, i.e. 10 GB/s of each. */
    private final Floor floor = new Floor(10, 20, "test");

    /** The floor of a mode over one GB, with {@code batch} samples for the per-sample modes. */
    private double ms(Mode mode, int batch) {
        return floor.ms(mode.traffic(GB, batch));
    }

    @Test
    void readOnlyModesCostOneRead() {
        assertEquals(100.0, ms(Mode.NORM, 1), 1e-9);
        assertEquals(100.0, ms(Mode.GLOBAL_NOCLIP, 1), 1e-9);
    }

    @Test
    void clippingModesCostOneReadPlusOneReadWrite() {
        assertEquals(100.0 + 100.0, ms(Mode.GLOBAL_CLIP, 1), 1e-9);
        assertEquals(200.0, ms(Mode.PER_TENSOR, 1), 1e-9);
        assertEquals(200.0, ms(Mode.BLOCK_RMS, 1), 1e-9);
    }

    @Test
    void valueClipCostsOneReadWrite() {
        assertEquals(100.0, ms(Mode.VALUE, 1), 1e-9);
    }

    @Test
    void agcReadsTheGradientsAndTheParametersThenScalesTheGradients() {
        assertEquals(100.0 + 100.0 + 100.0, ms(Mode.AGC, 1), 1e-9); // B/read + B/read + 2B/copy
        assertEquals(200.0, ms(Mode.AGC_NOCLIP, 1), 1e-9);
        assertEquals(new Traffic(2 * GB, GB), Mode.AGC.traffic(GB, 4), "the batch is only the per-sample modes'");
    }

    @Test
    void perSampleReadsItsInputsTwiceAndWritesTheOutputsOnce() {
        // 4 samples of 1 GB read twice at 10 GB/s: 800 ms; 1 GB of outputs as a read+write pass at 20 GB/s: 100 ms
        assertEquals(800.0 + 100.0, ms(Mode.PER_SAMPLE, 4), 1e-9);
        assertEquals(900.0, ms(Mode.PER_SAMPLE_NOISE, 4), 1e-9);
        assertEquals(200.0 + 100.0, ms(Mode.PER_SAMPLE, 1), 1e-9);
        assertEquals(10 * GB, Mode.PER_SAMPLE.traffic(GB, 4).total());
    }

    @Test
    void trafficCountsEveryByteReadOrWritten() {
        assertEquals(GB, Mode.NORM.traffic(GB, 1).total());
        assertEquals(3 * GB, Mode.GLOBAL_CLIP.traffic(GB, 1).total());
        assertEquals(2 * GB, Mode.VALUE.traffic(GB, 1).total());
        assertEquals(4 * GB, Mode.AGC.traffic(GB, 1).total());
    }

    @Test
    void percentOfFloorIsFloorOverMeasured() {
        assertEquals(50.0, floor.percentOf(Mode.GLOBAL_CLIP.traffic(GB, 1), 400.0), 1e-9);
        assertEquals(100.0, floor.percentOf(Mode.NORM.traffic(GB, 1), 100.0), 1e-9);
    }

    @Test
    void aResultDerivesGbPerSecondAndPercentFromTheFloor() {
        ShapeSet set = BuiltinSets.uniform("s", 1, GB / 4);
        Result r = Result.of("backend", "cpu", "host", set, "f32", Mode.GLOBAL_CLIP, GB, 1, new Stats(400, 390, 420, 5), floor,
                "ok", "");
        assertEquals(3 * GB / 0.4 / 1e9, r.gbPerS(), 1e-9); // 3 GB moved in 0.4 s
        assertEquals(200.0, r.floorMs(), 1e-9);
        assertEquals(50.0, r.pctOfFloor(), 1e-9);
        assertEquals(0, r.batch(), "no batch outside the per-sample modes");
    }

    @Test
    void aPerSampleResultCountsItsInputsAndRecordsTheBatch() {
        ShapeSet set = BuiltinSets.uniform("s", 1, GB / 4);
        Result r = Result.of("backend", "cpu", "host", set, "f32", Mode.PER_SAMPLE, GB, 2, new Stats(600, 590, 620, 5), floor,
                "ok", "");
        assertEquals(6 * GB / 0.6 / 1e9, r.gbPerS(), 1e-9); // 2 x 2 GB read, 1 GB written as read+write, in 0.6 s
        assertEquals(400.0 + 100.0, r.floorMs(), 1e-9);
        assertEquals(2, r.batch());
    }

    @Test
    void measuredBandwidthsComeFromMediansAndTheFasterReadWritePass() {
        Stats read = new Stats(100, 90, 110, 5); // 1 GB in 100 ms: 10 GB/s
        Stats copy = new Stats(200, 190, 210, 5); // 2 GB moved in 200 ms: 10 GB/s
        Stats inPlace = new Stats(100, 95, 105, 5); // 2 GB moved in 100 ms: 20 GB/s
        Floor f = MeasuredFloor.of(GB, read, copy, inPlace, "test").floor();
        assertEquals(10.0, f.readGbPerS(), 1e-9);
        assertEquals(20.0, f.copyGbPerS(), 1e-9);
    }

    @Test
    void bandwidthsMustBePositiveAndFinite() {
        assertThrows(IllegalArgumentException.class, () -> new Floor(0, 1, ""));
        assertThrows(IllegalArgumentException.class, () -> new Floor(1, Double.NaN, ""));
        assertThrows(IllegalArgumentException.class, () -> new Floor(Double.POSITIVE_INFINITY, 1, ""));
    }

    @Test
    void statsTakeTheMedianOfTheTimedRuns() {
        assertEquals(new Stats(2, 1, 9, 3), Stats.ofNanos(new long[] {9_000_000, 1_000_000, 2_000_000}, 3));
        assertEquals(2.5, Stats.ofNanos(new long[] {4_000_000, 1_000_000, 3_000_000, 2_000_000}, 4).medianMs(), 1e-12);
        assertEquals(1.0, Stats.ofNanos(new long[] {1_000_000, 0}, 1).maxMs(), 1e-12, "only the first count runs count");
    }
}
