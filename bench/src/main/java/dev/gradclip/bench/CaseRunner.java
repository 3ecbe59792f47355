package dev.gradclip.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs one case: up to {@code warmup} warm-up runs (fewer once they have taken {@code maxSeconds}, but
 * one at least unless {@code warmup} is 0), then up to {@code reps} timed runs (fewer once they have
 * taken {@code maxSeconds}, but {@link BenchOptions#MIN_REPS} at least); checks the first run, warm-up
 * or not, against the {@link Reference}. Each run's threshold follows {@link ThresholdSchedule}, so
 * the clipping modes clip on every run. Before each run, untimed, the data is refilled where the mode
 * needs it ({@link Mode#refillsEachRun}: the caller's {@code refill}, from the second run on) and the
 * kernel {@linkplain ClipKernel#prepare prepares} its state; a run of an adaptive mode that does not clip
 * fails the check ({@link ClipKernel#runsWithoutClip}).
 *
 * @param warmup untimed runs first, at most
 * @param reps timed runs at most
 * @param maxSeconds after this much timed running, stop once {@link BenchOptions#MIN_REPS} runs are in
 */
public record CaseRunner(int warmup, int reps, double maxSeconds) {

    /**
     * What a case measured.
     *
     * @param stats the timed runs
     * @param check "ok", or what the first run got wrong
     */
    public record Outcome(Stats stats, String check) {
        /** {@return true when the first run matched the reference} */
        public boolean checked() {
            return check.equals("ok");
        }
    }

    /**
     * {@return the outcome of {@code kernel} doing {@code mode}}
     *
     * @param tolerance relative tolerance of the checks (our backends: {@link Reference#TOLERANCE})
     * @param label shown on the progress line
     */
    public Outcome run(ClipKernel kernel, Mode mode, Reference ref, double tolerance, Progress progress, String label) {
        return run(kernel, mode, ref, tolerance, progress, label, null);
    }

    /**
     * {@return the outcome of {@code kernel} doing {@code mode}}
     *
     * @param refill makes the data fresh again, untimed, before every run but the first (the caller
     *     prepares that one); null when the mode does not need it
     */
    public Outcome run(ClipKernel kernel, Mode mode, Reference ref, double tolerance, Progress progress, String label,
            Runnable refill) {
        long[] nanos = new long[reps];
        int timed = 0;
        List<String> problems = new ArrayList<>();
        boolean warming = warmup > 0;
        long warmStart = System.nanoTime();
        long timedStart = 0;
        int minReps = Math.min(BenchOptions.MIN_REPS, reps);
        int runs = 0;
        for (int k = 0; timed < reps; k++) {
            if (timed >= minReps && System.nanoTime() - timedStart > maxSeconds * 1e9) {
                break;
            }
            progress.update(label + (warming ? ": warm-up " + (k + 1) + "/" + warmup : ": run " + (timed + 1) + "/" + reps));
            double threshold = ref.threshold(mode, k);
            if (k > 0 && refill != null) {
                refill.run();
            }
            kernel.prepare(threshold);
            long t0 = System.nanoTime();
            double norm = kernel.run(threshold);
            long elapsed = System.nanoTime() - t0;
            runs++;
            if (k == 0) {
                if (mode != Mode.VALUE) {
                    addIfFailed(problems, Reference.compare(mode.perSample() ? "largest sample norm" : "norm", norm,
                            ref.reportedNorm(mode), tolerance));
                }
                addIfFailed(problems, Reference.compare("norm after the first run", kernel.norm(),
                        ref.normAfterFirstRun().get(mode), tolerance));
            }
            if (warming) {
                // a slow case (seconds per run) stops warming after the time budget, one run at least
                warming = k + 1 < warmup && System.nanoTime() - warmStart <= maxSeconds * 1e9;
            } else {
                if (timed == 0) {
                    timedStart = t0;
                }
                nanos[timed++] = elapsed;
            }
        }
        int unclipped = kernel.runsWithoutClip();
        if (unclipped > 0) {
            problems.add(unclipped + " of " + runs + " runs did not clip");
        }
        return new Outcome(Stats.ofNanos(nanos, timed), problems.isEmpty() ? "ok" : String.join("; ", problems));
    }

    private static void addIfFailed(List<String> problems, String problem) {
        if (problem != null) {
            problems.add(problem);
        }
    }
}
