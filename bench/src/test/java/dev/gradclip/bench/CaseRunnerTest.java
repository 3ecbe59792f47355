package dev.gradclip.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.Backend;
import dev.gradclip.DType;
import dev.gradclip.GradClip;
import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CaseRunnerTest {
    private static final ShapeSet SET = new ShapeSet("small", List.of(new TensorShape("a", 300, 7),
            new TensorShape("b", 1), new TensorShape("c", 4099)));
    private static Workers workers;
    private static final Progress QUIET = new Progress(new PrintStream(new ByteArrayOutputStream()), false);

    @BeforeAll
    static void start() {
        workers = new Workers(2);
    }

    @AfterAll
    static void stop() {
        workers.close();
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void theJavaBackendPassesItsOwnChecksInEveryModeAndDtype(DType dtype) {
        try (Workload work = Workload.allocate(SET, dtype, false, List.of(Mode.values()), 3, workers);
                GradClip java = GradClip.open(Backend.JAVA)) {
            HostGradients grads = work.grads();
            Reference ref = Reference.compute(work, workers, List.of(Mode.values()));
            for (Mode mode : Mode.values()) {
                grads.ensureFreshFor(mode, workers);
                grads.markWritten();
                try (BackendKernel k = new BackendKernel(java, work.operands(), mode)) {
                    CaseRunner.Outcome o = new CaseRunner(1, 3, 10).run(k, mode, ref, Reference.TOLERANCE, QUIET, "t",
                            mode.refillsEachRun() ? () -> grads.refillFor(mode, workers) : null);
                    assertEquals("ok", o.check(), mode + " " + dtype);
                    assertEquals(3, o.stats().runs());
                }
            }
        }
    }

    @Test
    void aKernelThatSkipsTheWriteFailsTheCheck() {
        try (Workload work = Workload.allocate(SET, DType.F32, false, List.of(Mode.GLOBAL_CLIP), 1, workers)) {
            Reference ref = Reference.compute(work, workers, List.of(Mode.GLOBAL_CLIP));
            ClipKernel lazy = new ClipKernel() {
                @Override
                public double run(double threshold) {
                    return ref.totalNorm(); // the right norm, but nothing scaled
                }

                @Override
                public double norm() {
                    return ref.totalNorm();
                }

                @Override
                public void close() {}
            };
            CaseRunner.Outcome o = new CaseRunner(0, 1, 10).run(lazy, Mode.GLOBAL_CLIP, ref, Reference.TOLERANCE, QUIET, "t");
            assertTrue(o.check().startsWith("norm after the first run"), o.check());
        }
    }

    @Test
    void theScheduleMakesEveryRunClipAndRecordsWarmUpSeparately() {
        Reference ref = new Reference(ThresholdSchedule.Scales.ofNorms(100.0, 10.0), Map.of(Mode.GLOBAL_CLIP, 100.0),
                Map.of(Mode.GLOBAL_CLIP, 90.0));
        List<Double> thresholds = new ArrayList<>();
        double[] norm = {100.0};
        ClipKernel model = new ClipKernel() { // an exact global clip of a set whose norm is norm[0]
            @Override
            public double run(double threshold) {
                thresholds.add(threshold);
                double before = norm[0];
                double coef = threshold / (before + 1e-6);
                assertTrue(coef < 1, "run " + thresholds.size() + " would not clip");
                norm[0] = before * coef;
                return before;
            }

            @Override
            public double norm() {
                return norm[0];
            }

            @Override
            public void close() {}
        };
        CaseRunner.Outcome o = new CaseRunner(2, 5, 10).run(model, Mode.GLOBAL_CLIP, ref, 1e-6, QUIET, "t");
        assertEquals("ok", o.check());
        assertEquals(5, o.stats().runs());
        assertEquals(7, thresholds.size());
        assertEquals(90.0, thresholds.get(0), 1e-9);
    }

    @Test
    void aSlowCaseStopsAfterTheTimeBudgetKeepingThreeRuns() {
        Reference ref = new Reference(ThresholdSchedule.Scales.ofNorms(1.0, 1.0), Map.of(Mode.NORM, 1.0), Map.of(Mode.NORM, 1.0));
        int[] calls = {0};
        ClipKernel slow = new ClipKernel() {
            @Override
            public double run(double threshold) {
                calls[0]++;
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                return 1.0;
            }

            @Override
            public double norm() {
                return 1.0;
            }

            @Override
            public void close() {}
        };
        CaseRunner.Outcome o = new CaseRunner(5, 50, 0.01).run(slow, Mode.NORM, ref, 1e-6, QUIET, "t");
        assertEquals(BenchOptions.MIN_REPS, o.stats().runs());
        assertEquals(1 + BenchOptions.MIN_REPS, calls[0], "one warm-up run, then the minimum");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void refillsRestoreTheSameValuesInEveryDtypeWithOrWithoutASnapshot(boolean snapshot) {
        for (DType dtype : DType.values()) {
            try (HostGradients grads = HostGradients.allocate(SET, dtype, snapshot);
                    GradClip java = GradClip.open(Backend.JAVA)) {
                grads.ensurePristine(workers);
                double before;
                try (var set = java.register(grads.tensors())) {
                    before = set.norm(2).totalNorm();
                    for (int i = 0; i < 2; i++) { // the second refill comes from the snapshot, if any
                        set.scale(0.5);
                        grads.markWritten();
                        grads.ensurePristine(workers);
                        assertEquals(before, set.norm(2).totalNorm(), 0.0, dtype.toString());
                    }
                }
                // uniform in [-1, 1): the sum of squares is about a third of the count
                assertEquals(Math.sqrt(SET.elementCount() / 3.0), before, 0.05 * before, dtype.toString());
            }
        }
        assertTrue(HostGradients.value(0) >= -1 && HostGradients.value(0) < 1);
    }
}
