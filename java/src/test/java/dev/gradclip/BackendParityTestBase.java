package dev.gradclip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gradclip.internal.Numerics;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Parity of one backend with the Java reference: the same operation on twin copies of random and
 * adversarial sets. Norms and coefficients must agree to a relative 1e-9 (fp64 accumulation in another
 * order); written values must equal, bit for bit, the reference rounding of the input times the
 * backend's own coefficient; flags and counts must be equal. Subclasses name the backend and, for
 * device backends, move the data.
 */
abstract class BackendParityTestBase {
    /** fp64 sums in different orders: a few ulps times log2(n), far below this. */
    private static final double NORM_TOLERANCE = 1e-9;
    private static final double[] NORM_TYPES = {1.0, 2.0, Double.POSITIVE_INFINITY, 3.0, 0.5};
    private static final DType[] ALL = DType.values();

    private static GradClip reference;
    private GradClip backend;

    /** {@return the backend under test, or skips the test (assumeTrue) with the reason it is unavailable} */
    protected abstract GradClip openBackend();

    /** {@return the tensors as the backend needs them (device backends copy to the device)} */
    protected List<Tensor> place(TestSets host) {
        return host.tensors;
    }

    /** Copies what the backend wrote back into {@code host} (device backends only). */
    protected void readBack(List<Tensor> placed, TestSets host) {}

    /** Frees what {@link #place} allocated. */
    protected void release(List<Tensor> placed) {}

    /** A chunk size that makes small tensors span several chunks; 0 = the backend's default. */
    protected long smallChunk() {
        return 1000;
    }

    @BeforeAll
    static void openReference() {
        reference = GradClip.open(Backend.JAVA);
    }

    @AfterAll
    static void closeReference() {
        reference.close();
    }

    private GradClip backend() {
        if (backend == null) {
            backend = openBackend();
        }
        return backend;
    }

    /** Opens (or skips, with the reason) before any test moves data to the backend. */
    @org.junit.jupiter.api.BeforeEach
    void openBackendFirst() {
        backend();
    }

    @org.junit.jupiter.api.AfterEach
    void closeBackend() {
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    static Stream<Long> seeds() {
        return LongStream.range(1, 41).boxed();
    }

    /** Forty random sets, each with a random operation, dtype mix, chunk size and non-finite placement. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomSetsAgreeWithTheReference(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed * 7919);
        boolean many = rnd.nextBoolean();
        int tensors = many ? 1 + rnd.nextInt(300) : 1 + rnd.nextInt(5);
        long maxSize = many ? 3000 : 200_000;
        DType[] dtypes = rnd.nextInt(3) == 0 ? ALL : new DType[] {ALL[rnd.nextInt(ALL.length)]};
        try (TestSets set = TestSets.random(seed, tensors, maxSize, dtypes)) {
            switch (rnd.nextInt(5)) {
                case 0 -> set.inject(seed, Double.NaN);
                case 1 -> set.inject(seed, rnd.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY);
                default -> { }
            }
            long chunk = rnd.nextBoolean() ? smallChunk() : 0;
            for (int op = 0; op < 4; op++) {
                compare(set, randomOperation(set, rnd), chunk);
            }
        }
    }

    @Test
    void awkwardSizesInEveryDtypeModeAndNormType() {
        for (DType dtype : ALL) {
            try (TestSets set = new TestSets()) {
                SplittableRandom rnd = new SplittableRandom(dtype.ordinal());
                for (long n : TestSets.AWKWARD_SIZES) {
                    set.fillGaussian(set.add("n" + n, dtype, n), dtype, n, 1.0, rnd);
                }
                for (double p : NORM_TYPES) {
                    double total = normOf(set, p);
                    compare(set, s -> s.norm(p), smallChunk());
                    compare(set, s -> s.clip(ClipPolicy.globalNorm(total / 2).withNormType(p)), smallChunk());
                    compare(set, s -> s.clip(ClipPolicy.globalNorm(total * 2).withNormType(p)), 0);
                    compare(set, s -> s.clip(ClipPolicy.perTensorNorm(total / 20).withNormType(p)
                            .withRule(CoefficientRule.EXACT)), smallChunk());
                }
                compare(set, s -> s.clip(ClipPolicy.value(0.5)), smallChunk());
                compare(set, s -> s.clip(ClipPolicy.blockRms(0.9)), smallChunk());
                compare(set, s -> s.clip(ClipPolicy.blockRms(1.1).withRule(CoefficientRule.TORCH)), 0);
                compare(set, s -> s.scale(0.3), 0);
            }
        }
    }

    @Test
    void twoThousandTinyTensors() {
        try (TestSets set = new TestSets()) {
            SplittableRandom rnd = new SplittableRandom(2000);
            for (int i = 0; i < 2000; i++) {
                long n = rnd.nextLong(1, 300);
                set.fillGaussian(set.add("p" + i, DType.F32, n), DType.F32, n, 1e-3, rnd);
            }
            double total = normOf(set, 2);
            compare(set, s -> s.clip(ClipPolicy.globalNorm(total / 3)), 0);
            compare(set, s -> s.clip(ClipPolicy.perTensorNorm(total / 100)), 0);
        }
    }

    @Test
    void tenMillionElements() {
        try (TestSets set = TestSets.random(10_000_000L, 1, 1, DType.F32)) {
            set.tensors.clear();
            SplittableRandom rnd = new SplittableRandom(7);
            set.fillGaussian(set.add("big", DType.F32, 10_000_000), DType.F32, 10_000_000, 1e-2, rnd);
            double total = normOf(set, 2);
            compare(set, s -> s.clip(ClipPolicy.globalNorm(total / 2)), 0);
            compare(set, s -> s.clip(ClipPolicy.value(1e-2)), 0);
        }
    }

    @Test
    void extremeMagnitudesAndEveryNonFinitePolicy() {
        for (DType dtype : ALL) {
            for (double scale : new double[] {TestSets.minScale(dtype), TestSets.maxScale(dtype)}) {
                for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                    for (NonFinitePolicy policy : NonFinitePolicy.values()) {
                        try (TestSets set = new TestSets()) {
                            SplittableRandom rnd = new SplittableRandom(42);
                            for (int i = 0; i < 5; i++) {
                                long n = rnd.nextLong(1, 5000);
                                set.fillGaussian(set.add("x" + i, dtype, n), dtype, n, scale, rnd);
                            }
                            compare(set, s -> s.clip(ClipPolicy.globalNorm(scale).withNonFinite(policy)), 0);
                            set.inject(dtype.ordinal() + 31L * policy.ordinal(), bad);
                            compare(set, s -> s.clip(ClipPolicy.globalNorm(scale).withNonFinite(policy)), smallChunk());
                            compare(set, s -> s.clip(ClipPolicy.perTensorNorm(scale).withNonFinite(policy)
                                    .withNormType(ClipPolicy.INF)), 0);
                            compare(set, s -> s.clip(ClipPolicy.value(scale).withNonFinite(policy)), smallChunk());
                            compare(set, s -> s.clip(ClipPolicy.blockRms(scale / 2).withNonFinite(policy)), 0);
                        }
                    }
                }
            }
        }
    }

    private double normOf(TestSets set, double p) {
        try (GradientSet s = reference.register(set.tensors)) {
            return s.norm(p).totalNorm();
        }
    }

    private Function<GradientSet, ClipResult> randomOperation(TestSets set, SplittableRandom rnd) {
        double p = NORM_TYPES[rnd.nextInt(NORM_TYPES.length)];
        CoefficientRule rule = CoefficientRule.values()[rnd.nextInt(2)];
        NonFinitePolicy policy = NonFinitePolicy.values()[rnd.nextInt(3)];
        double total = normOf(set, p);
        double base = Double.isFinite(total) && total > 0 ? total : 1.0;
        double threshold = base * (rnd.nextBoolean() ? 0.5 : 2.0);
        return switch (rnd.nextInt(6)) {
            case 5 -> {
                double rms = base / Math.sqrt(Math.max(1, set.elementCount())) * (rnd.nextBoolean() ? 0.5 : 4.0);
                yield s -> s.clip(new ClipPolicy.BlockRms(rms, rule, policy));
            }
            case 0 -> s -> s.norm(p);
            case 1 -> s -> s.clip(new ClipPolicy.GlobalNorm(threshold, p, rule, policy));
            case 2 -> s -> s.clip(new ClipPolicy.PerTensorNorm(threshold / 10, p, rule, policy));
            case 3 -> {
                double v = normOf(set, ClipPolicy.INF);
                double clipValue = Double.isFinite(v) && v > 0 ? v / 3 : 1.0;
                yield s -> s.clip(new ClipPolicy.Value(clipValue, policy));
            }
            default -> {
                double coef = rnd.nextDouble(0.01, 1.5);
                yield s -> s.scale(coef);
            }
        };
    }

    /** Runs {@code op} on twins of {@code original} with the reference and the backend; compares everything. */
    private void compare(TestSets original, Function<GradientSet, ClipResult> op, long chunk) {
        try (TestSets refData = original.copy(); TestSets testData = original.copy()) {
            Outcome expected = runOn(reference, refData.tensors, op, chunk);
            List<Tensor> placed = place(testData);
            Outcome actual;
            try {
                actual = runOn(backend(), placed, op, chunk);
                readBack(placed, testData);
            } finally {
                release(placed);
            }
            String where = backend().backend() + " vs java, " + original.tensors.size() + " tensors, chunk " + chunk;
            if (expected.error != null || actual.error != null) {
                assertEquals(expected.error == null ? null : expected.error.getClass(),
                        actual.error == null ? null : actual.error.getClass(), where + ": exception");
                assertUnchanged(original, testData, where);
                return;
            }
            ClipResult.Snapshot e = expected.result;
            ClipResult.Snapshot a = actual.result;
            assertEquals(e.nonFinite(), a.nonFinite(), where + ": nonFinite");
            assertClose(e.totalNorm(), a.totalNorm(), where + ": totalNorm");
            assertClose(e.coefficient(), a.coefficient(), where + ": coefficient");
            assertEquals(e.clipped(), a.clipped(), where + ": clipped");
            assertEquals(e.clippedCount(), a.clippedCount(), where + ": clippedCount");
            assertEquals(e.tensorNorms() == null, a.tensorNorms() == null, where + ": tensor norms present");
            if (e.tensorNorms() != null) {
                for (int i = 0; i < e.tensorNorms().length; i++) {
                    assertClose(e.tensorNorms()[i], a.tensorNorms()[i], where + ": norm of tensor " + i);
                }
            }
            assertWrittenAsSpecified(original, refData, testData, e, a, where);
        }
    }

    private record Outcome(ClipResult.Snapshot result, RuntimeException error) {}

    private static Outcome runOn(GradClip engine, List<Tensor> tensors, Function<GradientSet, ClipResult> op, long chunk) {
        String old = System.getProperty(GradClip.CHUNK_PROPERTY);
        System.setProperty(GradClip.CHUNK_PROPERTY, Long.toString(chunk));
        try (GradientSet s = engine.register(tensors)) {
            ClipResult r = op.apply(s);
            return new Outcome(r.snapshot(), null);
        } catch (NonFiniteGradientException e) {
            return new Outcome(null, e);
        } finally {
            if (old == null) {
                System.clearProperty(GradClip.CHUNK_PROPERTY);
            } else {
                System.setProperty(GradClip.CHUNK_PROPERTY, old);
            }
        }
    }

    static void assertClose(double expected, double actual, String what) {
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            assertEquals(Double.isNaN(expected), Double.isNaN(actual), what + ": expected " + expected + ", got " + actual);
            return;
        }
        if (expected == actual) {
            return;
        }
        double diff = Math.abs(expected - actual);
        if (!(diff <= NORM_TOLERANCE * Math.abs(expected))) {
            fail(what + ": expected " + expected + ", got " + actual + " (relative difference " + diff / Math.abs(expected) + ")");
        }
    }

    /**
     * Written values must equal the reference's bit for bit wherever both used the same coefficient
     * (same total norm, or same tensor norm, or a value clip or scale, which use no norm). Where the
     * norms differ in their last bits the coefficients may too, and a value may then differ by as much
     * as the coefficients do, plus one ulp of its dtype; more than that is a defect.
     */
    private static void assertWrittenAsSpecified(TestSets original, TestSets ref, TestSets test,
            ClipResult.Snapshot expected, ClipResult.Snapshot actual, String where) {
        boolean sameCoefficient = same(expected.coefficient(), actual.coefficient());
        for (int t = 0; t < original.tensors.size(); t++) {
            Tensor in = original.tensors.get(t);
            Tensor r = ref.tensors.get(t);
            Tensor o = test.tensors.get(t);
            boolean exact = sameCoefficient && (expected.tensorNorms() == null
                    || same(expected.tensorNorms()[t], actual.tensorNorms()[t]));
            for (long i = 0; i < in.elementCount(); i++) {
                double want = TestSets.get(r.data(), r.dtype(), i);
                double got = TestSets.get(o.data(), o.dtype(), i);
                if (same(want, got) || (!exact && closeEnough(in.dtype(), want, got))) {
                    continue;
                }
                fail(where + ": tensor " + t + " (" + in.dtype() + ") element " + i + ": input "
                        + TestSets.get(in.data(), in.dtype(), i) + ", reference wrote " + want + ", backend wrote " + got
                        + (exact ? " with the same coefficient" : ""));
            }
        }
    }

    /**
     * Coefficients that agree to NORM_TOLERANCE give products that agree to it too (fp64 stores them
     * unrounded); narrower dtypes may then round one ulp apart.
     */
    static boolean closeEnough(DType dtype, double a, double b) {
        return Math.abs(a - b) <= ulp(dtype, a) + 2 * NORM_TOLERANCE * Math.abs(a);
    }

    private static double ulp(DType dtype, double v) {
        return switch (dtype) {
            case F64 -> Math.ulp(v);
            case F32 -> Math.ulp((float) v);
            case BF16 -> Math.ulp((float) v) * 65536;
            case F16 -> Math.max(Math.ulp((float) v) * 8192, 5.96e-8);
        };
    }

    static double roundTo(DType dtype, double y) {
        return switch (dtype) {
            case F64 -> y;
            case F32 -> (float) y;
            case BF16 -> Numerics.bf16ToFloat(Numerics.floatToBf16((float) y));
            case F16 -> Numerics.f16ToFloat(Numerics.floatToF16((float) y));
        };
    }

    static boolean same(double a, double b) {
        return Double.doubleToLongBits(a) == Double.doubleToLongBits(b) || (Double.isNaN(a) && Double.isNaN(b));
    }

    static void assertUnchanged(TestSets original, TestSets test, String where) {
        for (int t = 0; t < original.tensors.size(); t++) {
            Tensor in = original.tensors.get(t);
            Tensor o = test.tensors.get(t);
            for (long i = 0; i < in.elementCount(); i++) {
                if (!same(TestSets.get(in.data(), in.dtype(), i), TestSets.get(o.data(), o.dtype(), i))) {
                    fail(where + ": tensor " + t + " element " + i + " was modified although the operation threw");
                }
            }
        }
    }

    @Test
    void errorPolicyThrowsAndWritesNothing() {
        try (TestSets set = TestSets.random(99, 4, 1000, DType.F32)) {
            set.inject(3, Double.NaN);
            List<Tensor> placed = place(set);
            try (GradientSet s = backend().register(placed)) {
                assertThrows(NonFiniteGradientException.class,
                        () -> s.clip(ClipPolicy.globalNorm(1e-9).withNonFinite(NonFinitePolicy.ERROR)));
            } finally {
                release(placed);
            }
        }
    }
}
