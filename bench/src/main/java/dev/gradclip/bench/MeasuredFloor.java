package dev.gradclip.bench;

/**
 * A floor with the runs it came from.
 *
 * @param floor the bandwidths (from medians) the floor times follow from
 * @param read the read-only passes, or null where none could be measured (cuda)
 * @param copy the copies into a second buffer
 * @param inPlace the in-place read+write passes, or null where none could be measured (cuda)
 */
public record MeasuredFloor(Floor floor, Stats read, Stats copy, Stats inPlace) {
    /**
     * {@return the floor of passes over {@code bytes} bytes: the read bandwidth, and as read+write
     * bandwidth the faster of the copy and the in-place pass (bytes read and written counted)}
     */
    public static MeasuredFloor of(long bytes, Stats read, Stats copy, Stats inPlace, String method) {
        double readGbPerS = bytes / (read.medianMs() * 1e6);
        double readWriteGbPerS = 2.0 * bytes / (Math.min(copy.medianMs(), inPlace.medianMs()) * 1e6);
        return new MeasuredFloor(new Floor(readGbPerS, readWriteGbPerS, method), read, copy, inPlace);
    }
}
