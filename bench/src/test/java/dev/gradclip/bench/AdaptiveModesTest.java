package dev.gradclip.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.Backend;
import dev.gradclip.ClipPolicy;
import dev.gradclip.DType;
import dev.gradclip.GradClip;
import dev.gradclip.GradClipException;
import dev.gradclip.GradientSet;
import dev.gradclip.Tensor;
import dev.gradclip.adaptive.AutoClip;
import dev.gradclip.adaptive.ClipStep;
import dev.gradclip.adaptive.LossScaler;
import dev.gradclip.adaptive.ZClip;
import dev.gradclip.internal.Numerics;
import dev.gradclip.bench.peers.JavaLoopPeer;
import dev.gradclip.bench.peers.Peer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** autoclip, zclip and amp: checks against the java reference, clipping on every run, amp's scaled refills. */
class AdaptiveModesTest {
    private static final ShapeSet SET = new ShapeSet("small", List.of(new TensorShape("w", 300, 7),
            new TensorShape("b", 7), new TensorShape("s", 1), new TensorShape("c", 5, 3, 11)));
    private static final List<Mode> MODES = List.of(Mode.AUTOCLIP, Mode.ZCLIP, Mode.AMP);
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

    static List<Arguments> backendsModesAndDtypes() {
        List<Arguments> list = new ArrayList<>();
        for (Backend backend : List.of(Backend.JAVA, Backend.CPU)) {
            for (Mode mode : MODES) {
                for (DType dtype : DType.values()) {
                    list.add(Arguments.of(backend, mode, dtype));
                }
            }
        }
        return list;
    }

    /** As BenchRun runs a host case: amp refills the scaled data before every run but the first. */
    private static CaseRunner.Outcome runCase(ClipKernel kernel, Mode mode, Reference ref, double tolerance, HostGradients grads,
            int warmup, int reps) {
        grads.ensureFreshFor(mode, workers);
        grads.markWritten();
        Runnable refill = mode.refillsEachRun() ? () -> grads.refillFor(mode, workers) : null;
        return new CaseRunner(warmup, reps, 10).run(kernel, mode, ref, tolerance, QUIET, "t", refill);
    }

    /** Every run, warm-up included, passes or clips: the runner fails a case with a run that did not clip. */
    @ParameterizedTest
    @MethodSource("backendsModesAndDtypes")
    void everyModePassesItsChecksAndClipsOnEveryRun(Backend backend, Mode mode, DType dtype) {
        try (Workload work = Workload.allocate(SET, dtype, false, List.of(mode), 0, workers)) {
            Reference ref = Reference.compute(work, workers, List.of(mode));
            try (GradClip clip = open(backend); BackendKernel k = new BackendKernel(clip, work.operands(), mode)) {
                CaseRunner.Outcome o = runCase(k, mode, ref, Reference.TOLERANCE, work.grads(), 1, 5);
                assertEquals("ok", o.check(), backend + " " + mode + " " + dtype);
                assertEquals(5, o.stats().runs());
                assertEquals(0, k.runsWithoutClip());
            }
        }
    }

    @Test
    void autoClipsPrimedStateMakesRunKsThresholdTheGlobalClipSchedules() {
        double[] f = AdaptiveClippers.autoClipFractions(AdaptiveClippers.AUTOCLIP_PERCENTILE, AdaptiveClippers.AUTOCLIP_WINDOW);
        assertEquals(999, f.length);
        assertEquals(99, Arrays.stream(f).filter(x -> x < 1).count());
        assertEquals(1, Arrays.stream(f).filter(x -> x == 1).count());
        assertFalse(isSorted(f), "the history is in no order");
        try (Workload work = Workload.allocate(SET, DType.F32, false, List.of(Mode.AUTOCLIP), 0, workers);
                GradClip java = GradClip.open(Backend.JAVA);
                GradientSet set = java.register(work.grads().tensors())) {
            Reference ref = Reference.compute(work, workers, List.of(Mode.AUTOCLIP));
            work.grads().ensurePristine(workers);
            work.grads().markWritten();
            AutoClip auto = AdaptiveClippers.newAutoClip();
            for (int k = 0; k < 20; k++) {
                double t = ref.threshold(Mode.AUTOCLIP, k);
                auto.restore(AdaptiveClippers.autoClipState(t));
                ClipStep step = auto.clip(set);
                assertTrue(step.clipped(), "run " + k);
                assertEquals(t, step.threshold(), "run " + k);
                assertEquals(AdaptiveClippers.AUTOCLIP_WINDOW, auto.historySize(), "a full window to select from");
            }
        }
    }

    @Test
    void zclipsPrimedStateIsPastWarmUpAndEveryNormASpike() {
        try (Workload work = Workload.allocate(SET, DType.F32, false, List.of(Mode.ZCLIP), 0, workers);
                GradClip java = GradClip.open(Backend.JAVA);
                GradientSet set = java.register(work.grads().tensors())) {
            Reference ref = Reference.compute(work, workers, List.of(Mode.ZCLIP));
            work.grads().ensurePristine(workers);
            work.grads().markWritten();
            ZClip z = new ZClip();
            for (int k = 0; k < 20; k++) {
                double t = ref.threshold(Mode.ZCLIP, k);
                z.restore(AdaptiveClippers.zclipState(t));
                ClipStep step = z.clip(set);
                assertTrue(step.clipped(), "run " + k);
                assertEquals(t, step.threshold(), 1e-12 * t, "run " + k);
                assertEquals(t, set.norm(ClipPolicy.L2).totalNorm(), 1e-5 * t, "clipped to the threshold (EXACT)");
            }
        }
    }

    /** amp's data is the set's values times the loss scale, exactly, finite even in f16; the refills restore it. */
    @ParameterizedTest
    @EnumSource(DType.class)
    void ampsDataIsTheValuesTimesTheLossScaleAndEveryRunUnscalesAndClips(DType dtype) {
        double scale = AdaptiveClippers.lossScale(dtype);
        assertEquals(dtype == DType.F16 ? 32768.0 : 65536.0, scale);
        try (Workload work = Workload.allocate(SET, dtype, true, List.of(Mode.AMP), 0, workers);
                GradClip java = GradClip.open(Backend.JAVA);
                GradientSet set = java.register(work.grads().tensors())) {
            Reference ref = Reference.compute(work, workers, List.of(Mode.AMP));
            double r = ref.totalNorm();
            assertEquals(r, ref.reportedNorm(Mode.AMP), 1e-12 * r, "the unscaled norm is the set's");
            HostGradients grads = work.grads();
            grads.markWritten();
            grads.ensureFreshFor(Mode.AMP, workers);
            assertScaledBy(scale, grads);
            grads.ensureFreshFor(Mode.AMP, workers);
            LossScaler scaler = AdaptiveClippers.newLossScaler(dtype);
            for (int k = 0; k < 4; k++) {
                if (k > 0) {
                    grads.markWritten();
                    grads.ensureFreshFor(Mode.AMP, workers);
                }
                scaler.restore(AdaptiveClippers.lossScalerState(dtype));
                ClipStep step = scaler.unscaleAndClip(set, ClipPolicy.globalNorm(ref.threshold(Mode.AMP, k)));
                assertFalse(step.nonFinite(), "run " + k);
                assertTrue(step.clipped(), "run " + k);
                assertEquals(scale, step.scale());
                assertEquals(r, step.totalNorm(), 1e-12 * r);
                assertEquals(0.9 * r, set.norm(ClipPolicy.L2).totalNorm(), 1e-2 * r, "unscaled and clipped");
            }
            grads.markWritten();
        }
    }

    /** A global clip that forgets to unscale reports S times the norm and fails amp's check. */
    @Test
    void aKernelThatDoesNotUnscaleFailsTheAmpCheck() {
        try (Workload work = Workload.allocate(SET, DType.F32, false, List.of(Mode.AMP), 0, workers);
                GradClip java = GradClip.open(Backend.JAVA);
                BackendKernel wrong = new BackendKernel(java, work.operands(), Mode.GLOBAL_CLIP)) {
            Reference ref = Reference.compute(work, workers, List.of(Mode.AMP));
            CaseRunner.Outcome o = runCase(wrong, Mode.AMP, ref, Reference.TOLERANCE, work.grads(), 0, 3);
            assertTrue(o.check().startsWith("norm "), o.check()); // S times the reference's
        }
    }

    /** Without its primed state, ZClip stops clipping after one run: the runner says so. */
    @Test
    void aRunThatDoesNotClipFailsTheCase() {
        try (Workload work = Workload.allocate(SET, DType.F32, false, List.of(Mode.ZCLIP), 0, workers);
                GradClip java = GradClip.open(Backend.JAVA);
                BackendKernel zclip = new BackendKernel(java, work.operands(), Mode.ZCLIP)) {
            Reference ref = Reference.compute(work, workers, List.of(Mode.ZCLIP));
            ClipKernel primedOnce = new ClipKernel() {
                private boolean primed;

                @Override
                public void prepare(double threshold) {
                    if (!primed) {
                        zclip.prepare(threshold);
                        primed = true;
                    }
                }

                @Override
                public double run(double threshold) {
                    return zclip.run(threshold);
                }

                @Override
                public double norm() {
                    return zclip.norm();
                }

                @Override
                public int runsWithoutClip() {
                    return zclip.runsWithoutClip();
                }

                @Override
                public void close() {}
            };
            CaseRunner.Outcome o = runCase(primedOnce, Mode.ZCLIP, ref, Reference.TOLERANCE, work.grads(), 0, 3);
            assertEquals("2 of 3 runs did not clip", o.check());
        }
    }

    /** amp as PyTorch runs it: unscale_, then clip_grad_norm_; javaloop's autoclip and zclip would be global-clip's loops. */
    @ParameterizedTest
    @EnumSource(DType.class)
    void theJavaLoopPeerRunsAmpAsPyTorchDoesAndPassesItsCheck(DType dtype) {
        Peer peer = new JavaLoopPeer();
        assertTrue(peer.supports(Mode.AMP));
        assertFalse(peer.supports(Mode.AUTOCLIP) || peer.supports(Mode.ZCLIP));
        try (Workload work = Workload.allocate(SET, dtype, false, List.of(Mode.AMP), 0, workers)) {
            Reference ref = Reference.compute(work, workers, List.of(Mode.AMP));
            try (ClipKernel k = peer.open(work.operands(), Mode.AMP)) {
                CaseRunner.Outcome o = runCase(k, Mode.AMP, ref, peer.tolerance(dtype), work.grads(), 1, 3);
                assertEquals("ok", o.check(), dtype.toString());
                assertEquals(0, k.runsWithoutClip());
            }
        }
    }

    @Test
    void theFloorsAreGlobalClipsAndTheUnfusedAmpMovesFiveBytesInThree() {
        for (Mode mode : MODES) {
            assertEquals(Mode.GLOBAL_CLIP.traffic(1000, 0), mode.traffic(1000, 0), mode.cliName());
            assertTrue(mode.clipping() && mode.adaptive());
            assertFalse(Mode.DEFAULTS.contains(mode));
        }
        assertEquals(3000, Mode.AMP.traffic(1000, 0).total());
        assertEquals(5000, BenchRun.unfusedAmpTraffic(1000).total());
        String note = BenchRun.ampNote("host", 1_000_000_000L, new Floor(10, 10, "t"));
        assertTrue(note.contains("floor 300.00 ms") && note.contains("floor 500.00 ms, 1.67x"), note);
        assertTrue(Mode.AMP.refillsEachRun() && !Mode.AUTOCLIP.refillsEachRun() && !Mode.ZCLIP.refillsEachRun());
    }

    @Test
    void aScaledFillIsRefilledUnscaledForTheOtherModes() {
        try (Workload work = Workload.allocate(SET, DType.BF16, true, List.of(Mode.AMP), 0, workers)) {
            HostGradients grads = work.grads();
            grads.ensurePristine(workers);
            double[] plain = values(grads.tensors().getFirst());
            grads.ensureFreshFor(Mode.AMP, workers);
            assertEquals(plain[0] * 65536, values(grads.tensors().getFirst())[0]);
            grads.ensureFreshFor(Mode.GLOBAL_CLIP, workers);
            assertArrayEquals(plain, values(grads.tensors().getFirst()));
        }
    }

    @Test
    void jmhRefusesAmpWhichRefillsBeforeEveryRun() {
        ClipBenchmark.JavaState state = new ClipBenchmark.JavaState();
        state.set = "tiny-2000x4096";
        state.dtype = "f32";
        state.mode = "amp";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, state::setUp);
        assertTrue(e.getMessage().contains("./gradclip bench"), e.getMessage());
        state.tearDown();
    }

    private static boolean isSorted(double[] a) {
        for (int i = 1; i < a.length; i++) {
            if (a[i] < a[i - 1]) {
                return false;
            }
        }
        return true;
    }

    /** {@return the backend open, or the test skipped, saying why, where it cannot run here} */
    private static GradClip open(Backend backend) {
        try {
            return GradClip.open(backend, 2);
        } catch (GradClipException e) {
            Assumptions.abort(backend + " cannot run here: " + e.getMessage());
            throw e;
        }
    }

    /** Asserts that the data holds the pristine values times {@code scale}, exactly, and all finite. */
    private static void assertScaledBy(double scale, HostGradients grads) {
        List<double[]> scaled = new ArrayList<>();
        for (Tensor t : grads.tensors()) {
            scaled.add(values(t));
        }
        grads.markWritten();
        grads.ensurePristine(workers);
        for (int i = 0; i < scaled.size(); i++) {
            double[] plain = values(grads.tensors().get(i));
            for (int j = 0; j < plain.length; j++) {
                assertEquals(plain[j] * scale, scaled.get(i)[j], "tensor " + i + " element " + j);
                assertTrue(Double.isFinite(scaled.get(i)[j]));
            }
        }
    }

    private static double[] values(Tensor t) {
        double[] v = new double[(int) t.elementCount()];
        for (int j = 0; j < v.length; j++) {
            v[j] = switch (t.dtype()) {
                case F32 -> t.data().getAtIndex(ValueLayout.JAVA_FLOAT, j);
                case F64 -> t.data().getAtIndex(ValueLayout.JAVA_DOUBLE, j);
                case BF16 -> Numerics.bf16ToFloat(t.data().getAtIndex(ValueLayout.JAVA_SHORT, j));
                case F16 -> Float.float16ToFloat(t.data().getAtIndex(ValueLayout.JAVA_SHORT, j));
            };
        }
        return v;
    }
}
