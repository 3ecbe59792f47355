package dev.gradclip.bench;

import dev.gradclip.ClipPolicy;
import dev.gradclip.Tensor;
import dev.gradclip.Units;
import java.util.List;

/**
 * The extremes over all AGC units of {@code ‖g_u‖ / max(‖w_u‖, eps)}, the ratio a unit's λ is compared
 * with: what the AGC thresholds are chosen from ({@link ThresholdSchedule}). No backend reports a unit's
 * norms, so they are summed here, one part of the tensors per worker.
 *
 * @param smallest the smallest ratio: a λ below it clips every unit
 * @param largest the largest ratio: a λ above it clips none
 */
record UnitRatios(double smallest, double largest) {
    /**
     * {@return the ratios over host tensors} Units are consecutive elements (rows or the whole tensor), as
     * {@link Units#torch} gives them.
     */
    static UnitRatios measure(List<Tensor> grads, List<Tensor> params, List<Units> units, Workers workers) {
        int parts = workers.threads();
        double[] smallest = new double[parts];
        double[] largest = new double[parts];
        workers.run(p -> {
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (int i = p; i < grads.size(); i += parts) {
                Units u = units.get(i);
                if (u.layout() == Units.Layout.COLUMNS) {
                    throw new IllegalArgumentException("unit ratios: column units are not consecutive elements");
                }
                long k = grads.get(i).elementCount() / u.count();
                for (long from = 0; from < grads.get(i).elementCount(); from += k) {
                    double g = Math.sqrt(Elements.sumOfSquares(grads.get(i), from, from + k));
                    double w = Math.sqrt(Elements.sumOfSquares(params.get(i), from, from + k));
                    double ratio = g / Math.max(w, ClipPolicy.Adaptive.DEFAULT_EPS);
                    lo = Math.min(lo, ratio);
                    hi = Math.max(hi, ratio);
                }
            }
            smallest[p] = lo;
            largest[p] = hi;
        });
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (int p = 0; p < parts; p++) {
            lo = Math.min(lo, smallest[p]);
            hi = Math.max(hi, largest[p]);
        }
        return new UnitRatios(lo, hi);
    }
}
