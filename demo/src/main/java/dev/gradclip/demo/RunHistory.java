package dev.gradclip.demo;

import java.util.Arrays;

/**
 * What one training run recorded at every step: the loss, the gradient norm before clipping, and
 * whether clipping changed the gradients. A run that hits a non-finite loss or gradient stops there.
 */
final class RunHistory {
    private final ClipMode mode;
    private final int plannedSteps;
    private final double uniformLoss;
    private final double[] loss;
    private final double[] gradNorm;
    private final boolean[] clipped;
    private int steps;
    private double seconds;

    /**
     * @param uniformLoss the loss of guessing every character with equal probability, ln(vocabulary
     *     size): the loss at initialisation, and the line a run that "blew up" ends above
     */
    RunHistory(ClipMode mode, int plannedSteps, double uniformLoss) {
        this.mode = mode;
        this.plannedSteps = plannedSteps;
        this.uniformLoss = uniformLoss;
        this.loss = new double[plannedSteps];
        this.gradNorm = new double[plannedSteps];
        this.clipped = new boolean[plannedSteps];
    }

    /** Records the next step. */
    void record(double stepLoss, double norm, boolean wasClipped) {
        loss[steps] = stepLoss;
        gradNorm[steps] = norm;
        clipped[steps] = wasClipped;
        steps++;
    }

    /** Records the training time, for the progress line. */
    void finish(double wallSeconds) {
        this.seconds = wallSeconds;
    }

    ClipMode mode() {
        return mode;
    }

    /** {@return the steps asked for} */
    int plannedSteps() {
        return plannedSteps;
    }

    /** {@return the steps recorded: fewer than planned when the run hit NaN or infinity} */
    int steps() {
        return steps;
    }

    double loss(int step) {
        return loss[step];
    }

    /** {@return the L2 norm of all gradients at {@code step}, before clipping} */
    double gradNorm(int step) {
        return gradNorm[step];
    }

    boolean clipped(int step) {
        return clipped[step];
    }

    double seconds() {
        return seconds;
    }

    /** {@return ln(vocabulary size), the loss of a uniform guess} */
    double uniformLoss() {
        return uniformLoss;
    }

    /** {@return the first step whose loss or gradient norm was NaN or infinite, or -1} */
    int nonFiniteStep() {
        int last = steps - 1;
        return last >= 0 && !(Double.isFinite(loss[last]) && Double.isFinite(gradNorm[last])) ? last : -1;
    }

    /**
     * {@return the first step whose loss was NaN, infinite or above twice the uniform-guess loss, or
     * -1} For a run that {@linkplain #diverged diverged}, that is where it blew up.
     */
    int blowUpStep() {
        for (int i = 0; i < steps; i++) {
            if (!(loss[i] <= 2 * uniformLoss)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@return the mean loss of the last {@code window} steps (fewer when the run is shorter); NaN
     * when the run ended on a non-finite value} Single steps see one random window of text, so their
     * loss is noisy; the mean is what the verdict compares.
     */
    double finalLoss(int window) {
        if (nonFiniteStep() >= 0) {
            return Double.NaN;
        }
        int from = Math.max(0, steps - window);
        return steps == 0 ? Double.NaN : Arrays.stream(loss, from, steps).average().orElse(Double.NaN);
    }

    /**
     * {@return true when training failed: a NaN or infinity appeared, or the final loss is worse than
     * guessing uniformly (the loss blew up and stayed up)}
     */
    boolean diverged(int window) {
        double last = finalLoss(window);
        return !(last <= uniformLoss);
    }

    /** {@return the fraction of recorded steps at which clipping changed the gradients} */
    double clipRate() {
        if (steps == 0) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < steps; i++) {
            n += clipped[i] ? 1 : 0;
        }
        return (double) n / steps;
    }

    /** {@return the largest finite gradient norm seen, or NaN when there was none} */
    double maxFiniteGradNorm() {
        double max = Double.NaN;
        for (int i = 0; i < steps; i++) {
            if (Double.isFinite(gradNorm[i]) && !(gradNorm[i] <= max)) {
                max = gradNorm[i];
            }
        }
        return max;
    }
}
