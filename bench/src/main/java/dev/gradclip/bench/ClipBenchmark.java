package dev.gradclip.bench;

import dev.gradclip.Backend;
import dev.gradclip.DType;
import dev.gradclip.GradClip;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmarks of the same kernels as {@code ./gradclip bench}: one benchmark per backend, the pairs
 * differing only in the backend their state opens; each parameterized by set, dtype and mode. Every
 * trial first runs its mode once on fresh data and checks it against the java reference
 * ({@link CaseRunner}), failing the trial if it is wrong, so a fast wrong kernel cannot win. How to run
 * them: bench/README.md.
 *
 * <p>Settings, and why:
 * <ul>
 * <li>one fork: each benchmark gets a JVM whose JIT profile is its own (the java backend's loops are
 *     compiled for one dtype and mode), while the kernels' own spread comes from memory, not from the
 *     JIT, so more forks would mostly add time;
 * <li>3 warm-up iterations of 1 s: C2 compiles the java backend's loops within the first hundred
 *     milliseconds on the small sets and within the first iteration on gpt2-124m; the native cpu
 *     backend needs none, but its first calls fault its pages in;
 * <li>5 measured iterations of 1 s: at 3-150 ms per operation that is 30 to 1500 operations;
 * <li>the data is refilled before every iteration (untimed), so that the thresholds, which shrink by
 *     1% per clip to keep every clip writing ({@link ThresholdSchedule}), never run the values down
 *     towards the 16-bit subnormals.
 * </ul>
 */
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ClipBenchmark {

    /** One backend's set of gradients, registered once per trial. */
    @State(Scope.Benchmark)
    public abstract static class BackendState {
        @Param({"tiny-2000x4096", "gpt2-124m"})
        public String set;

        @Param({"f32"})
        public String dtype;

        /**
         * The default modes of ./gradclip bench; the others run with e.g. {@code -p mode=block-rms,agc,per-sample},
         * all but amp, which refills its data before every run.
         */
        @Param({"norm", "global-noclip", "global-clip", "per-tensor", "value"})
        public String mode;

        Workers workers;
        Workload host;
        GradClip clip;
        Mode clipMode;
        Reference reference;
        ClipKernel kernel;
        int run;

        /** {@return the backend this state opens} */
        abstract Backend backend();

        /** {@return the tensors the kernel runs on (host, or the device copy)} */
        Operands operands() {
            return host.operands();
        }

        /** Makes the data the kernel sees fresh again. */
        void refill() {
            host.grads().ensurePristine(workers);
        }

        @Setup(Level.Trial)
        public void setUp() {
            workers = new Workers(Workers.resolve(0));
            clipMode = Mode.fromCliName(mode);
            if (clipMode.refillsEachRun()) {
                // A refill per invocation (Level.Invocation) would put JMH's per-call timestamps on every mode.
                throw new IllegalArgumentException(mode + " refills its data before every run: time it with ./gradclip bench");
            }
            ShapeSet shapes = BuiltinSets.byName(set);
            DType dt = BenchOptions.dtype(dtype);
            int batch = Workload.fitBatch(BenchOptions.DEFAULT_BATCH, shapes.byteSize(dt.byteSize()), Workload.SAMPLE_BUDGET);
            host = Workload.allocate(shapes, dt, false, List.of(clipMode), batch, workers);
            reference = Reference.compute(host, workers, List.of(clipMode));
            clip = GradClip.open(backend());
            host.grads().markWritten();
            refill();
            kernel = new BackendKernel(clip, operands(), clipMode);
            Progress silent = new Progress(new PrintStream(OutputStream.nullOutputStream()), false);
            CaseRunner.Outcome first = new CaseRunner(0, 1, 1).run(kernel, clipMode, reference, Reference.TOLERANCE,
                    silent, "");
            if (!first.checked()) {
                throw new IllegalStateException(backend() + " " + mode + " on " + set + " " + dtype + ": " + first.check());
            }
        }

        @Setup(Level.Iteration)
        public void freshData() {
            host.grads().markWritten();
            refill();
            run = 0;
        }

        /**
         * One clip, with the threshold that keeps it clipping (see ThresholdSchedule). autoclip and zclip
         * restore their primed state first, inside the measured time: a few microseconds for AutoClip's
         * 999 norms, under 1% of a run on the smallest set.
         */
        double step() {
            double threshold = reference.threshold(clipMode, run++);
            kernel.prepare(threshold);
            return kernel.run(threshold);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (AutoCloseable c : new AutoCloseable[] {kernel, clip, host, workers}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
    }

    /** The java backend. */
    public static class JavaState extends BackendState {
        @Override
        Backend backend() {
            return Backend.JAVA;
        }
    }

    /** The native cpu backend. */
    public static class CpuState extends BackendState {
        @Override
        Backend backend() {
            return Backend.CPU;
        }
    }

    /** The cuda backend on a device copy of the data; fails at setup where no CUDA device can be used. */
    public static class CudaState extends BackendState {
        CudaWorkload device;

        @Override
        Backend backend() {
            return Backend.CUDA;
        }

        @Override
        Operands operands() {
            if (device == null) {
                device = new CudaWorkload(host);
            }
            return device.operands();
        }

        @Override
        void refill() {
            super.refill();
            operands();
            device.upload(host);
        }

        @Override
        public void tearDown() {
            super.tearDown();
            if (device != null) {
                device.close();
            }
        }
    }

    /** The result is returned so that JMH consumes it. */
    @Benchmark
    public double java(JavaState s) {
        return s.step();
    }

    @Benchmark
    public double cpu(CpuState s) {
        return s.step();
    }

    @Benchmark
    public double cuda(CudaState s) {
        return s.step();
    }
}
