package dev.gradclip.adaptive;

/** Nearest-rank percentiles by in-place selection: no sorting buffer, so no allocation on a step. */
final class Ranks {
    private Ranks() {}

    /**
     * {@return the 1-based nearest rank of percentile {@code q} among {@code count} values:
     * {@code ceil(q / 100 * count)}, at least 1}
     */
    static int nearestRank(double q, int count) {
        int rank = (int) Math.ceil(q / 100.0 * count);
        return Math.max(1, Math.min(count, rank));
    }

    /**
     * {@return the {@code k}-th smallest (0-based) of {@code a[0..count)}, which is reordered}
     * Hoare's selection with a median-of-three pivot; the values must not be NaN.
     */
    static double select(double[] a, int count, int k) {
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            // Median of three keeps sorted or reversed histories (a steady norm trend) from going quadratic.
            if (a[mid] < a[lo]) swap(a, mid, lo);
            if (a[hi] < a[lo]) swap(a, hi, lo);
            if (a[hi] < a[mid]) swap(a, hi, mid);
            double pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    swap(a, i, j);
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k];
            }
        }
        return a[k];
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
