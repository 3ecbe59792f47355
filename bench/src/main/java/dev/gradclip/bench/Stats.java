package dev.gradclip.bench;

import java.util.Arrays;

/**
 * Median, min and max of a case's timed runs, in milliseconds.
 *
 * @param medianMs the median (the mean of the two middle runs for an even count)
 * @param minMs the fastest run
 * @param maxMs the slowest run
 * @param runs how many runs were timed
 */
public record Stats(double medianMs, double minMs, double maxMs, int runs) {
    /**
     * {@return the statistics of run times given in nanoseconds}
     *
     * @throws IllegalArgumentException if there are none
     */
    public static Stats ofNanos(long[] nanos, int count) {
        if (count < 1 || count > nanos.length) {
            throw new IllegalArgumentException("need 1.." + nanos.length + " runs, got " + count);
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        double median = count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2.0;
        return new Stats(median / 1e6, sorted[0] / 1e6, sorted[count - 1] / 1e6, count);
    }
}
