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
     * Sets up, untimed, what the next {@link #run} with {@code threshold} starts from: the adaptive modes
     * restore their clipper's primed state ({@link AdaptiveClippers}). Nothing for the other modes.
     */
    default void prepare(double threshold) {}

    /**
     * {@return how many runs so far did not clip although the mode should have} Counted by the adaptive
     * modes, whose clippers decide for themselves; 0 for the others, whose thresholds decide.
     */
    default int runsWithoutClip() {
        return 0;
    }

    /**
     * {@return the total L2 norm of the data as it is now (the per-sample modes: of the outputs), computed
     * by this implementation}
     */
    double norm();

    /** Releases what {@link #run} needed (registrations, device buffers); the data stays. */
    @Override
    void close();
}
