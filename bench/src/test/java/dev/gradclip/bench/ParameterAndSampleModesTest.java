package dev.gradclip.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.Backend;
import dev.gradclip.ClipPolicy;
import dev.gradclip.DType;
import dev.gradclip.GradClip;
import dev.gradclip.GradClipException;
import dev.gradclip.GradientSet;
import dev.gradclip.PerSampleClip;
import dev.gradclip.PerSampleSet;
import dev.gradclip.Units;
import dev.gradclip.bench.peers.JavaLoopPeer;
import dev.gradclip.bench.peers.Peer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** block-rms, agc, agc-noclip, per-sample and per-sample-noise: checks, schedules, peers and the batch budget. */
class ParameterAndSampleModesTest {
    /** Rows (Units.torch), a whole vector, a scalar-like tensor and a 3-D tensor. */
    private static final ShapeSet SET = new ShapeSet("small", List.of(new TensorShape("w", 300, 7),
            new TensorShape("b", 7), new TensorShape("s", 1), new TensorShape("c", 5, 3, 11)));
    private static final List<Mode> MODES = List.of(Mode.BLOCK_RMS, Mode.AGC, Mode.AGC_NOCLIP, Mode.PER_SAMPLE,
            Mode.PER_SAMPLE_NOISE);
    private static final int BATCH = 3;
    private static final Progress QUIET = new Progress(new PrintStream(new ByteArrayOutputStream()), false);
    private static Workers workers;

    @BeforeAll
    static void start() {
        workers = new Workers(2);
    }

    @AfterAll
    static void stop() {
        workers.close();
    }

    static List<Arguments> modesAndDtypes() {
        List<Arguments> list = new ArrayList<>();
        for (Mode mode : MODES) {
            for (DType dtype : List.of(DType.F32, DType.BF16, DType.F64)) {
                list.add(Arguments.of(mode, dtype));
            }
        }
        return list;
    }

    static List<Arguments> backendsModesAndDtypes() {
        List<Arguments> list = new ArrayList<>();
        for (Backend backend : List.of(Backend.JAVA, Backend.CPU)) {
            for (Arguments a : modesAndDtypes()) {
                list.add(Arguments.of(backend, a.get()[0], a.get()[1]));
            }
        }
        return list;
    }

    /**
     * The cpu backend is skipped, saying why, where libgradclip_cpu does not load or predates the mode
     * (it then refuses it with an invalid-argument error).
     */
    @ParameterizedTest
    @MethodSource("backendsModesAndDtypes")
    void everyModePassesItsChecksAgainstTheJavaReference(Backend backend, Mode mode, DType dtype) {
        try (Workload work = Workload.allocate(SET, dtype, false, List.of(mode), BATCH, workers)) {
            Reference ref = Reference.compute(work, workers, List.of(mode));
            try (GradClip clip = open(backend)) {
                work.grads().ensurePristine(workers);
                work.grads().markWritten();
                CaseRunner.Outcome o;
                try (BackendKernel k = new BackendKernel(clip, work.operands(), mode)) {
                    o = new CaseRunner(1, 3, 10).run(k, mode, ref, Reference.TOLERANCE, QUIET, "t");
                } catch (GradClipException e) {
                    Assumptions.abort(backend + " does not run " + mode.cliName() + " yet: " + e.getMessage());
                    return;
                }
                assertEquals("ok", o.check(), backend + " " + mode + " " + dtype);
                assertEquals(3, o.stats().runs());
            }
        }
    }

    /** Every timed run does the work its mode names, not only the checked first one. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = Backend.class, names = {"JAVA", "CPU"})
    void theSchedulesMakeEveryRunClipEverythingOrNothing(Backend backend) {
        try (Workload work = Workload.allocate(SET, DType.F32, false, MODES, BATCH, workers);
                GradClip java = open(backend)) {
            Reference ref = Reference.compute(work, workers, MODES);
            Operands ops = work.operands();
            long units = 0;
            for (Units u : ops.units()) {
                units += u.count();
            }
            assertEquals(300 + 1 + 1 + 5, units, "rows of the matrices, whole vectors");
            work.grads().ensurePristine(workers);
            try (GradientSet set = java.register(ops.tensors())) {
                set.attachParameters(ops.parameters(), ops.units());
                for (int k = 0; k < 5; k++) {
                    assertEquals(units, set.clip(ClipPolicy.adaptive(ref.threshold(Mode.AGC, k))).clippedCount(), "agc run " + k);
                }
                assertEquals(0, set.clip(ClipPolicy.adaptive(ref.threshold(Mode.AGC_NOCLIP, 0))).clippedCount());
            }
            work.grads().markWritten();
            work.grads().ensurePristine(workers);
            try (GradientSet set = java.register(ops.tensors())) {
                for (int k = 0; k < 5; k++) {
                    assertEquals(SET.tensors().size(), set.clip(ClipPolicy.blockRms(ref.threshold(Mode.BLOCK_RMS, k))).clippedCount(),
                            "block-rms run " + k);
                }
            }
            try (PerSampleSet set = java.registerPerSample(ops.samples(), BATCH, ops.tensors())) {
                for (int k = 0; k < 3; k++) {
                    assertEquals(BATCH, set.aggregate(PerSampleClip.flat(ref.threshold(Mode.PER_SAMPLE, k)), k).clippedCount());
                }
            }
            work.grads().markWritten();
        }
    }

    /** {@return the backend open, or the test skipped, saying why, where it cannot run or lacks the new modes} */
    private static GradClip open(Backend backend) {
        try {
            GradClip clip = GradClip.open(backend, 2);
            try (Workload probe = Workload.allocate(SET, DType.F32, false, MODES, 1, workers);
                    BackendKernel k = new BackendKernel(clip, probe.operands(), Mode.AGC)) {
                k.run(1.0);
            } catch (GradClipException e) {
                clip.close();
                throw e;
            }
            return clip;
        } catch (GradClipException e) {
            Assumptions.abort(backend + " cannot run the new modes here: " + e.getMessage());
            throw e;
        }
    }

    @Test
    void aKernelThatReadsTheGradientsAsParametersFailsTheAgcCheck() {
        try (Workload work = Workload.allocate(SET, DType.F32, false, List.of(Mode.AGC), 1, workers);
                GradClip java = GradClip.open(Backend.JAVA)) {
            Reference ref = Reference.compute(work, workers, List.of(Mode.AGC));
            work.grads().ensurePristine(workers);
            work.grads().markWritten();
            Operands wrong = new Operands(work.grads().tensors(), work.grads().tensors(), List.of(), 0);
            try (BackendKernel k = new BackendKernel(java, wrong, Mode.AGC)) {
                CaseRunner.Outcome o = new CaseRunner(0, 1, 10).run(k, Mode.AGC, ref, Reference.TOLERANCE, QUIET, "t");
                assertTrue(o.check().startsWith("norm after the first run"), o.check());
            }
        }
    }

    @Test
    void theNoiseChangesTheOutputsSoItsCheckIsItsOwn() {
        List<Mode> both = List.of(Mode.PER_SAMPLE, Mode.PER_SAMPLE_NOISE);
        try (Workload work = Workload.allocate(SET, DType.F32, false, both, BATCH, workers)) {
            Reference ref = Reference.compute(work, workers, both);
            assertEquals(ref.reportedNorm(Mode.PER_SAMPLE), ref.reportedNorm(Mode.PER_SAMPLE_NOISE));
            assertNotEquals(ref.normAfterFirstRun().get(Mode.PER_SAMPLE), ref.normAfterFirstRun().get(Mode.PER_SAMPLE_NOISE));
        }
    }

    @ParameterizedTest
    @MethodSource("modesAndDtypes")
    void theJavaLoopPeerPassesTheChecksOfTheModesItRuns(Mode mode, DType dtype) {
        Peer peer = new JavaLoopPeer();
        Assumptions.assumeTrue(peer.supports(mode), "javaloop does not run " + mode.cliName());
        try (Workload work = Workload.allocate(SET, dtype, false, List.of(mode), BATCH, workers)) {
            Reference ref = Reference.compute(work, workers, List.of(mode));
            work.grads().ensurePristine(workers);
            work.grads().markWritten();
            try (ClipKernel k = peer.open(work.operands(), mode)) {
                CaseRunner.Outcome o = new CaseRunner(1, 3, 10).run(k, mode, ref, peer.tolerance(dtype), QUIET, "t");
                assertEquals("ok", o.check(), mode + " " + dtype);
            }
        }
    }

    @Test
    void theBatchShrinksToTheBudgetButNotBelowOne() {
        long gpt2 = 497_759_232L;
        assertEquals(2, Workload.fitBatch(4, gpt2, Workload.SAMPLE_BUDGET));
        assertEquals(4, Workload.fitBatch(4, 32_768_000L, Workload.SAMPLE_BUDGET));
        assertEquals(1, Workload.fitBatch(4, 6_230_444_800L, Workload.SAMPLE_BUDGET));
        assertNull(Workload.batchNote(4, 4, 32_768_000L, Workload.SAMPLE_BUDGET));
        String note = Workload.batchNote(4, 2, gpt2, Workload.SAMPLE_BUDGET);
        assertTrue(note.contains("batch 2, not 4") && note.contains("1.2 GB"), note);
    }

    @Test
    void theInputsHoldTheBatchSampleMajorAndOnlyTheModesThatNeedThemAreAllocated() {
        ShapeSet samples = Workload.sampleShapes(SET, 4);
        assertEquals(new TensorShape("c", 4, 5, 3, 11), samples.tensors().get(3));
        assertEquals(4 * SET.elementCount(), samples.elementCount());
        try (Workload work = Workload.allocate(SET, DType.F32, false, Mode.DEFAULTS, 4, workers)) {
            assertNull(work.params());
            assertNull(work.samples());
            assertEquals(0, work.batch());
        }
        assertEquals(0, Workload.extraBytes(SET, DType.F32, Mode.DEFAULTS, 4));
        assertEquals(HostGradients.slabBytes(SET, DType.F32) + HostGradients.slabBytes(samples, DType.F32),
                Workload.extraBytes(SET, DType.F32, List.of(Mode.AGC, Mode.PER_SAMPLE), 4));
    }
}
