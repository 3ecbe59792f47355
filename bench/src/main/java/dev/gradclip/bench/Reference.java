package dev.gradclip.bench;

import dev.gradclip.Backend;
import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the first run of each case must find and leave, computed by the {@code java} backend, the
 * project's exact reference (docs/SEMANTICS.md), on freshly filled data: every backend and peer is
 * checked against it once, so that a fast wrong kernel cannot win.
 *
 * @param totalNorm the set's L2 norm before any run
 * @param smallestTensorNorm the smallest tensor L2 norm before any run
 * @param normAfterFirstRun per mode, the set's L2 norm after the first run of that mode
 */
public record Reference(double totalNorm, double smallestTensorNorm, Map<Mode, Double> normAfterFirstRun) {
    /** Relative tolerance of every check against the reference. */
    public static final double TOLERANCE = 1e-6;

    public Reference {
        normAfterFirstRun = Map.copyOf(normAfterFirstRun);
    }

    /**
     * {@return the reference for {@code modes} over {@code grads}} Runs each writing mode once on fresh
     * data, then reads the norm it left; leaves the data written (not pristine).
     */
    public static Reference compute(HostGradients grads, Workers workers, Collection<Mode> modes) {
        grads.ensurePristine(workers);
        try (GradClip java = GradClip.open(Backend.JAVA)) {
            double total;
            double smallest = Double.POSITIVE_INFINITY;
            try (GradientSet set = java.register(grads.tensors())) {
                ClipResult r = set.norm(ClipPolicy.L2);
                total = r.totalNorm();
                for (int i = 0; i < set.size(); i++) {
                    smallest = Math.min(smallest, r.tensorNorm(i));
                }
            }
            Map<Mode, Double> after = new EnumMap<>(Mode.class);
            for (Mode mode : modes) {
                if (!mode.clipping()) {
                    after.put(mode, total);
                    continue;
                }
                grads.ensurePristine(workers);
                try (BackendKernel kernel = new BackendKernel(java, grads.tensors(), mode)) {
                    kernel.run(ThresholdSchedule.threshold(mode, 0, total, smallest));
                    grads.markWritten();
                    after.put(mode, kernel.norm());
                }
            }
            return new Reference(total, smallest, after);
        }
    }

    /** {@return the threshold of run {@code k} of {@code mode}, from this reference's norms} */
    public double threshold(Mode mode, int k) {
        return ThresholdSchedule.threshold(mode, k, totalNorm, smallestTensorNorm);
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
