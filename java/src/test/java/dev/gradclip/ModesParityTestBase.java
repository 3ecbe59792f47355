package dev.gradclip;

import static dev.gradclip.BackendParityTestBase.assertClose;
import static dev.gradclip.BackendParityTestBase.assertUnchanged;
import static dev.gradclip.BackendParityTestBase.closeEnough;
import static dev.gradclip.BackendParityTestBase.same;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity of one backend with the Java reference for the modes that take more than the gradients:
 * unit-wise adaptive clipping (with parameters) and per-sample clipping (with outputs and noise). The
 * same random and adversarial inputs go to both; norms and coefficients must agree to a relative 1e-9,
 * counts and flags exactly, and every written value to within what those coefficient differences allow
 * (one ulp of its dtype); nothing may be written where the non-finite policy forbids it.
 */
abstract class ModesParityTestBase {
    private static final DType[] ALL = DType.values();
    /** Written before a per-sample run so that an output the backend should not touch is seen touched. */
    private static final double SENTINEL = 7.0;

    private GradClip reference;
    private GradClip backend;

    protected abstract GradClip openBackend();

    protected List<Tensor> place(TestSets host) {
        return host.tensors;
    }

    protected void readBack(List<Tensor> placed, TestSets host) {}

    protected void release(List<Tensor> placed) {}

    @BeforeEach
    void open() {
        backend = openBackend();
        reference = GradClip.open(Backend.JAVA);
    }

    @AfterEach
    void close() {
        if (reference != null) { // null when openBackend skipped the test
            reference.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    static Stream<Long> seeds() {
        return LongStream.range(1, 31).boxed();
    }

    // ------------------------------------------------------------------ AGC

    /** Gradients and parameters of matching shapes, with units, and a λ for which some units clip. */
    private record AgcCase(TestSets grads, TestSets params, List<Units> units, double lambda) implements AutoCloseable {
        @Override
        public void close() {
            grads.close();
            params.close();
        }
    }

    private static AgcCase randomAgcCase(long seed, boolean bigUnits) {
        SplittableRandom rnd = new SplittableRandom(seed * 104729);
        TestSets grads = new TestSets();
        TestSets params = new TestSets();
        List<Units> units = new ArrayList<>();
        double lambda = rnd.nextDouble(0.005, 0.2);
        DType[] gradTypes = rnd.nextBoolean() ? ALL : new DType[] {ALL[rnd.nextInt(ALL.length)]};
        int tensors = 1 + rnd.nextInt(bigUnits ? 3 : 12);
        for (int t = 0; t < tensors; t++) {
            Units u;
            long count;
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    count = bigUnits ? rnd.nextLong(50_000, 200_000)
                            : TestSets.AWKWARD_SIZES[rnd.nextInt(TestSets.AWKWARD_SIZES.length)] % 5000;
                    u = Units.whole();
                }
                case 1 -> {
                    long rows = 1 + rnd.nextInt(bigUnits ? 4 : 40);
                    long cols = bigUnits ? rnd.nextLong(20_000, 70_000) : rnd.nextLong(0, 300);
                    count = rows * cols;
                    u = Units.rows(rows);
                }
                default -> {
                    long rows = bigUnits ? rnd.nextLong(1000, 5000) : rnd.nextLong(0, 60);
                    long cols = 1 + rnd.nextInt(bigUnits ? 40 : 200);
                    count = rows * cols;
                    u = Units.columns(cols);
                }
            }
            DType gt = gradTypes[rnd.nextInt(gradTypes.length)];
            DType pt = ALL[rnd.nextInt(ALL.length)];
            double gradScale = gt == DType.F16 ? rnd.nextDouble(0.01, 10) : Math.pow(10, rnd.nextDouble(-20, 20));
            // Parameter norms around the gradient norm / λ, so that roughly half the units clip.
            double paramScale = gradScale / lambda * Math.exp(rnd.nextDouble(-1.5, 1.5));
            if (pt == DType.F16) {
                paramScale = Math.min(paramScale, 1000);
            }
            grads.fillGaussian(grads.add("g" + t, gt, count), gt, count, gradScale, rnd);
            MemorySegment p = params.add("w" + t, pt, count);
            if (rnd.nextInt(8) != 0) { // else all-zero parameters: the eps floor decides
                params.fillGaussian(p, pt, count, paramScale, rnd);
            }
            units.add(u);
        }
        return new AgcCase(grads, params, units, lambda);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void adaptiveClippingAgreesWithTheReference(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        try (AgcCase c = randomAgcCase(seed, seed % 6 == 0)) {
            switch (rnd.nextInt(5)) {
                case 0 -> c.grads.inject(seed, Double.NaN);
                case 1 -> c.params.inject(seed, Double.POSITIVE_INFINITY);
                case 2 -> c.grads.inject(seed, Double.NEGATIVE_INFINITY);
                default -> { }
            }
            for (NonFinitePolicy policy : NonFinitePolicy.values()) {
                double eps = rnd.nextBoolean() ? ClipPolicy.Adaptive.DEFAULT_EPS : 1e-6;
                compareAgc(c, new ClipPolicy.Adaptive(c.lambda, eps, policy), rnd.nextBoolean() ? 1000 : 0);
            }
        }
    }

    @Test
    void adaptiveClippingOfLayersShapedLikeATransformer() {
        try (TestSets grads = new TestSets(); TestSets params = new TestSets()) {
            SplittableRandom rnd = new SplittableRandom(5);
            long[][] shapes = {{768, 768}, {3072, 768}, {768}, {2304, 768}, {8, 3, 3, 3}, {64, 8, 3, 3}};
            List<Units> units = new ArrayList<>();
            for (long[] shape : shapes) {
                long n = 1;
                for (long d : shape) {
                    n *= d;
                }
                grads.fillGaussian(grads.add("g", DType.F32, n), DType.F32, n, 1e-3, rnd);
                params.fillGaussian(params.add("w", DType.F32, n), DType.F32, n, 0.02, rnd);
                units.add(Units.torch(shape));
            }
            compareAgc(new AgcCase(grads, params, units, 0.01), ClipPolicy.adaptive(0.01), 0);
            List<Units> optax = new ArrayList<>();
            for (long[] shape : shapes) {
                optax.add(Units.optax(shape));
            }
            compareAgc(new AgcCase(grads, params, optax, 0.02), ClipPolicy.adaptive(0.02), 0);
        }
    }

    private void compareAgc(AgcCase c, ClipPolicy.Adaptive policy, long chunk) {
        try (TestSets refData = c.grads.copy(); TestSets testData = c.grads.copy()) {
            Outcome expected = runAgc(reference, refData.tensors, c.params.tensors, c.units, policy, chunk);
            List<Tensor> placedGrads = place(testData);
            List<Tensor> placedParams = place(c.params);
            Outcome actual;
            try {
                actual = runAgc(backend, placedGrads, placedParams, c.units, policy, chunk);
                readBack(placedGrads, testData);
            } finally {
                release(placedGrads);
                release(placedParams);
            }
            String where = backend.backend() + " vs java, AGC " + policy + ", " + c.grads.tensors.size() + " tensors, chunk " + chunk;
            if (compareOutcomes(expected, actual, where)) {
                assertUnchanged(c.grads, testData, where);
                return;
            }
            if (expected.result.nonFinite() && policy.nonFinite() != NonFinitePolicy.PROPAGATE) {
                assertUnchanged(c.grads, testData, where);
            }
            assertValuesAgree(refData, testData, where);
        }
    }

    private static Outcome runAgc(GradClip engine, List<Tensor> grads, List<Tensor> params, List<Units> units,
            ClipPolicy.Adaptive policy, long chunk) {
        return withChunk(chunk, () -> {
            try (GradientSet s = engine.register(grads)) {
                s.attachParameters(params, units);
                return new Outcome(s.clip(policy).snapshot(), null);
            } catch (NonFiniteGradientException e) {
                return new Outcome(null, e);
            }
        });
    }

    // ------------------------------------------------------------------ per-sample

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void perSampleClippingAgreesWithTheReference(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed * 31337);
        int[] batches = {1, 2, 3, 7, 16};
        int batch = batches[rnd.nextInt(batches.length)];
        int tensors = 1 + rnd.nextInt(seed % 5 == 0 ? 40 : 6);
        DType[] types = rnd.nextBoolean() ? ALL : new DType[] {ALL[rnd.nextInt(ALL.length)]};
        try (TestSets in = new TestSets(); TestSets out = new TestSets()) {
            double scale = types.length == 1 && types[0] != DType.F16 ? Math.pow(10, rnd.nextDouble(-25, 25)) : 1.0;
            for (int t = 0; t < tensors; t++) {
                long k = rnd.nextInt(4) == 0 ? TestSets.AWKWARD_SIZES[rnd.nextInt(TestSets.AWKWARD_SIZES.length)] % 70_000
                        : rnd.nextLong(0, 3000);
                DType dt = types[rnd.nextInt(types.length)];
                in.fillGaussian(in.add("x" + t, dt, k * batch), dt, k * batch, scale * Math.exp(rnd.nextDouble(-2, 2)), rnd);
                DType ot = ALL[rnd.nextInt(ALL.length)];
                out.add("y" + t, ot, k);
            }
            switch (rnd.nextInt(4)) {
                case 0 -> in.inject(seed, Double.NaN);
                case 1 -> in.inject(seed, Double.POSITIVE_INFINITY);
                default -> { }
            }
            double typicalNorm = scale * Math.sqrt(Math.max(1, in.elementCount() / batch));
            for (int op = 0; op < 3; op++) {
                PerSampleClip policy = new PerSampleClip(typicalNorm * rnd.nextDouble(0.1, 2.0),
                        rnd.nextBoolean() ? PerSampleClip.Scope.FLAT : PerSampleClip.Scope.PER_LAYER,
                        CoefficientRule.values()[rnd.nextInt(2)], rnd.nextBoolean() ? 0.0 : 1.1,
                        new double[] {1.0, batch, 3.5}[rnd.nextInt(3)], NonFinitePolicy.values()[rnd.nextInt(3)]);
                comparePerSample(in, batch, out, policy, rnd.nextLong(), rnd.nextBoolean() ? 1000 : 0);
            }
        }
    }

    private void comparePerSample(TestSets in, int batch, TestSets out, PerSampleClip policy, long seed, long chunk) {
        fill(out, SENTINEL);
        try (TestSets refOut = out.copy(); TestSets testOut = out.copy()) {
            Outcome expected = runPerSample(reference, in.tensors, batch, refOut.tensors, policy, seed, chunk);
            List<Tensor> placedIn = place(in);
            List<Tensor> placedOut = place(testOut);
            Outcome actual;
            try {
                actual = runPerSample(backend, placedIn, batch, placedOut, policy, seed, chunk);
                readBack(placedOut, testOut);
            } finally {
                release(placedIn);
                release(placedOut);
            }
            String where = backend.backend() + " vs java, " + policy + ", batch " + batch + ", seed " + seed + ", chunk " + chunk;
            if (compareOutcomes(expected, actual, where)) {
                assertUnchanged(out, testOut, where);
                return;
            }
            if (expected.result.nonFinite() && policy.nonFinite() != NonFinitePolicy.PROPAGATE) {
                assertUnchanged(out, testOut, where);
            }
            assertValuesAgree(refOut, testOut, where);
        }
    }

    private static Outcome runPerSample(GradClip engine, List<Tensor> in, int batch, List<Tensor> out, PerSampleClip policy,
            long seed, long chunk) {
        return withChunk(chunk, () -> {
            try (PerSampleSet s = engine.registerPerSample(in, batch, out)) {
                return new Outcome(s.aggregate(policy, seed).snapshot(), null);
            } catch (NonFiniteGradientException e) {
                return new Outcome(null, e);
            }
        });
    }

    @Test
    void noiseIsTheSameStreamOnEveryBackend() {
        int batch = 4;
        try (TestSets in = new TestSets(); TestSets out = new TestSets()) {
            long k = 100_003;
            in.add("zeros", DType.F32, k * batch); // all zero: the outputs are pure noise
            out.add("y", DType.F64, k);
            PerSampleClip policy = PerSampleClip.flat(1.0).withNoise(1.0);
            comparePerSample(in, batch, out, policy, 0x5eedL, 0);
            comparePerSample(in, batch, out, policy.withDivisor(batch), -1L, 1000);
        }
    }

    @Test
    void errorPolicyThrowsAndWritesNoOutput() {
        try (TestSets in = TestSets.random(5, 3, 400, DType.F32); TestSets outs = new TestSets()) {
            in.inject(3, Double.NaN);
            for (Tensor t : in.tensors) {
                outs.add("y", DType.F32, t.elementCount()); // batch 1: one sample, outputs as large as inputs
            }
            fill(outs, SENTINEL);
            try (TestSets before = outs.copy()) {
                List<Tensor> placedIn = place(in);
                List<Tensor> placedOut = place(outs);
                try (PerSampleSet s = backend.registerPerSample(placedIn, 1, placedOut)) {
                    assertThrows(NonFiniteGradientException.class,
                            () -> s.aggregate(PerSampleClip.flat(1).withNonFinite(NonFinitePolicy.ERROR), 1));
                    readBack(placedOut, outs);
                } finally {
                    release(placedIn);
                    release(placedOut);
                }
                assertUnchanged(before, outs, "ERROR");
            }
        }
    }

    // ------------------------------------------------------------------ shared

    private record Outcome(ClipResult.Snapshot result, RuntimeException error) {}

    private interface Run {
        Outcome run();
    }

    private static Outcome withChunk(long chunk, Run run) {
        String old = System.getProperty(GradClip.CHUNK_PROPERTY);
        System.setProperty(GradClip.CHUNK_PROPERTY, Long.toString(chunk));
        try {
            return run.run();
        } finally {
            if (old == null) {
                System.clearProperty(GradClip.CHUNK_PROPERTY);
            } else {
                System.setProperty(GradClip.CHUNK_PROPERTY, old);
            }
        }
    }

    /** Compares results; {@return true when both threw (then the caller checks nothing was written)} */
    private static boolean compareOutcomes(Outcome expected, Outcome actual, String where) {
        if (expected.error != null || actual.error != null) {
            assertEquals(expected.error == null ? null : expected.error.getClass(),
                    actual.error == null ? null : actual.error.getClass(), where + ": exception");
            return true;
        }
        ClipResult.Snapshot e = expected.result;
        ClipResult.Snapshot a = actual.result;
        assertEquals(e.nonFinite(), a.nonFinite(), where + ": nonFinite");
        assertClose(e.totalNorm(), a.totalNorm(), where + ": totalNorm");
        assertClose(e.coefficient(), a.coefficient(), where + ": coefficient");
        assertEquals(e.clippedCount(), a.clippedCount(), where + ": clippedCount");
        assertEquals(e.clipped(), a.clipped(), where + ": clipped");
        assertEquals(e.tensorNorms() == null ? -1 : e.tensorNorms().length,
                a.tensorNorms() == null ? -1 : a.tensorNorms().length, where + ": number of norms");
        if (e.tensorNorms() != null) {
            for (int i = 0; i < e.tensorNorms().length; i++) {
                assertClose(e.tensorNorms()[i], a.tensorNorms()[i], where + ": norm " + i);
            }
        }
        return false;
    }

    private static void assertValuesAgree(TestSets ref, TestSets test, String where) {
        for (int t = 0; t < ref.tensors.size(); t++) {
            Tensor r = ref.tensors.get(t);
            Tensor o = test.tensors.get(t);
            for (long i = 0; i < r.elementCount(); i++) {
                double want = TestSets.get(r.data(), r.dtype(), i);
                double got = TestSets.get(o.data(), o.dtype(), i);
                if (!same(want, got) && !closeEnough(r.dtype(), want, got)) {
                    fail(where + ": tensor " + t + " (" + r.dtype() + ") element " + i + ": reference wrote " + want
                            + ", backend wrote " + got);
                }
            }
        }
    }

    private static void fill(TestSets set, double value) {
        for (Tensor t : set.tensors) {
            for (long i = 0; i < t.elementCount(); i++) {
                TestSets.put(t.data(), t.dtype(), i, value);
            }
        }
    }
}
