package dev.gradclip.bench;

import dev.gradclip.Backend;
import dev.gradclip.ClipResult;
import dev.gradclip.ClipPolicy;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import dev.gradclip.PerSampleClip;
import dev.gradclip.PerSampleSet;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the first run of each case must find and leave, computed by the {@code java} backend, the
 * project's exact reference (docs/SEMANTICS.md), on freshly filled data: every backend and peer is
 * checked against it once, so that a fast wrong kernel cannot win. The adaptive modes run the same
 * clipper, primed the same way, over a java set of the same data (amp: scaled by the same loss scale).
 *
 * @param scales what the thresholds derive from ({@link ThresholdSchedule})
 * @param reportedNorm per mode, what the first run returns: the set's L2 norm before the run, or for the
 *     per-sample modes the largest sample norm
 * @param normAfterFirstRun per mode, the set's L2 norm after the first run of that mode (for the
 *     per-sample modes: the outputs')
 */
public record Reference(ThresholdSchedule.Scales scales, Map<Mode, Double> reportedNorm, Map<Mode, Double> normAfterFirstRun) {
    /** Relative tolerance of every check against the reference. */
    public static final double TOLERANCE = 1e-6;

    public Reference {
        reportedNorm = Map.copyOf(reportedNorm);
        normAfterFirstRun = Map.copyOf(normAfterFirstRun);
    }

    /**
     * {@return the reference for {@code modes} over {@code work}} Runs each writing mode once on fresh
     * data, then reads the norm it left; leaves the gradients written (not pristine).
     */
    public static Reference compute(Workload work, Workers workers, Collection<Mode> modes) {
        HostGradients grads = work.grads();
        grads.ensurePristine(workers);
        try (GradClip java = GradClip.open(Backend.JAVA)) {
            double total;
            double smallest = Double.POSITIVE_INFINITY;
            double smallestRms = Double.POSITIVE_INFINITY;
            try (GradientSet set = java.register(grads.tensors())) {
                ClipResult r = set.norm(ClipPolicy.L2);
                total = r.totalNorm();
                for (int i = 0; i < set.size(); i++) {
                    smallest = Math.min(smallest, r.tensorNorm(i));
                    smallestRms = Math.min(smallestRms, r.tensorNorm(i) / Math.sqrt(set.tensors().get(i).elementCount()));
                }
            }
            Operands operands = work.operands();
            UnitRatios ratios = modes.stream().anyMatch(Mode::needsParameters)
                    ? UnitRatios.measure(operands.tensors(), operands.parameters(), operands.units(), workers)
                    : new UnitRatios(Double.NaN, Double.NaN);
            double smallestSample = modes.stream().anyMatch(Mode::perSample) ? smallestSampleNorm(java, work) : Double.NaN;
            ThresholdSchedule.Scales scales = new ThresholdSchedule.Scales(total, smallest, smallestRms, ratios.smallest(),
                    ratios.largest(), smallestSample);

            Map<Mode, Double> reported = new EnumMap<>(Mode.class);
            Map<Mode, Double> after = new EnumMap<>(Mode.class);
            for (Mode mode : modes) {
                if (!mode.clipping()) {
                    reported.put(mode, total);
                    after.put(mode, total);
                    continue;
                }
                grads.ensureFreshFor(mode, workers);
                try (BackendKernel kernel = new BackendKernel(java, operands, mode)) {
                    double threshold = ThresholdSchedule.threshold(mode, 0, scales);
                    kernel.prepare(threshold);
                    reported.put(mode, kernel.run(threshold));
                    grads.markWritten();
                    after.put(mode, kernel.norm());
                }
            }
            return new Reference(scales, reported, after);
        }
    }

    /** {@return the smallest per-sample norm, from an aggregation that writes the gradients (the outputs)} */
    private static double smallestSampleNorm(GradClip java, Workload work) {
        try (PerSampleSet set = java.registerPerSample(work.samples().tensors(), work.batch(), work.grads().tensors())) {
            set.aggregate(PerSampleClip.flat(0), 0);
            work.grads().markWritten();
            double smallest = Double.POSITIVE_INFINITY;
            for (int b = 0; b < work.batch(); b++) {
                smallest = Math.min(smallest, set.sampleNorm(b));
            }
            return smallest;
        }
    }

    /** {@return the set's L2 norm before any run} */
    public double totalNorm() {
        return scales.totalNorm();
    }

    /** {@return what the first run of {@code mode} must return (see {@link #reportedNorm})} */
    public double reportedNorm(Mode mode) {
        return reportedNorm.get(mode);
    }

    /** {@return the threshold of run {@code k} of {@code mode}, from this reference's scales} */
    public double threshold(Mode mode, int k) {
        return ThresholdSchedule.threshold(mode, k, scales);
    }

    /**
     * {@return null when {@code actual} is within {@code tolerance} of {@code expected} (relative),
     * else what differs}
     */
    public static String compare(String what, double actual, double expected, double tolerance) {
        double diff = Math.abs(actual - expected);
        if (diff <= tolerance * Math.abs(expected)) {
            return null;
        }
        return String.format(java.util.Locale.ROOT, "%s %.9g, reference %.9g (relative error %.2g > %.0g)", what, actual,
                expected, diff / Math.abs(expected), tolerance);
    }
}
