package dev.gradclip.internal;

/**
 * The mutable fields behind one gradient set's {@code ClipResult}, written by a backend after each
 * operation and reused every step so that a step allocates nothing.
 */
public final class ResultState {
    /** Fetches a result that is still on a device (CUDA); called once, on first read. */
    public interface Pending {
        /** Copies the last operation's result into {@code state}, synchronizing as needed. */
        void fetch(ResultState state);
    }

    public double totalNorm = Double.NaN;
    public double coefficient = 1.0;
    public long clippedCount;
    public boolean clipped;
    public boolean nonFinite;
    /** Norms reported by the last operation (per tensor, or per sample); the first {@link #normCount} are valid. */
    public final double[] tensorNorms;
    public int normCount;
    /** Non-null while the result still lives on the device. */
    public Pending pending;

    /** @param normSlots the most norms an operation of the set reports */
    public ResultState(int normSlots) {
        this.tensorNorms = new double[normSlots];
    }

    /** Resets to "nothing computed" before an operation. */
    public void reset() {
        totalNorm = Double.NaN;
        coefficient = 1.0;
        clippedCount = 0;
        clipped = false;
        nonFinite = false;
        normCount = 0;
        pending = null;
    }

    /** Makes the fields current: fetches a pending device result first. */
    public void await() {
        Pending p = pending;
        if (p != null) {
            pending = null;
            p.fetch(this);
        }
    }
}
