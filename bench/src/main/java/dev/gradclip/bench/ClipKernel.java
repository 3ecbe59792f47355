package dev.gradclip.bench;

/**
 * One implementation (a backend or a peer) of one {@link Mode} over one set's data, as the case
 * runner drives it: {@link #run} is what gets timed; {@link #norm} only serves the checks.
 */
public interface ClipKernel extends AutoCloseable {
    /**
     * Runs the mode once and waits for its result.
     *
     * @param threshold the max norm (norm clips, per-sample C), max RMS (block RMS), λ (AGC) or clip value
     *     (value clip); ignored by {@link Mode#NORM}
     * @return the total L2 norm before clipping that the implementation computed (the per-sample modes:
     *     the largest sample norm), or NaN when the mode computes none (value clip)
     */
    double run(double threshold);

    /**
     * {@return the total L2 norm of the data as it is now (the per-sample modes: of the outputs), computed
     * by this implementation}
     */
    double norm();

    /** Releases what {@link #run} needed (registrations, device buffers); the data stays. */
    @Override
    void close();
}
