package dev.gradclip.demo;

import java.util.List;
import java.util.Locale;

/** The table printed at the end: per run, the final loss, whether it diverged, and how often it clipped. */
final class VerdictTable {
    private VerdictTable() {}

    /**
     * {@return the table, one line per run under a header}
     *
     * @param finalWindow the number of last steps the final loss averages over
     */
    static String format(List<RunHistory> runs, int finalWindow) {
        StringBuilder s = new StringBuilder();
        String row = "%-16s %11s  %-32s %9s %14s%n";
        s.append(String.format(Locale.ROOT, row, "run", "final loss", "diverged", "clip rate", "max grad norm"));
        for (RunHistory run : runs) {
            String clipRate = run.mode() == ClipMode.NONE ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * run.clipRate());
            s.append(String.format(Locale.ROOT, row, run.mode().label(), loss(run.finalLoss(finalWindow)),
                    diverged(run, finalWindow), clipRate, Plot.number(run.maxFiniteGradNorm())));
        }
        s.append(String.format(Locale.ROOT, "final loss: mean over the last %d steps, nats per character "
                + "(uniform guess: %.2f). diverged: NaN/inf, or final loss above the uniform guess.%n"
                + "clip rate: fraction of steps at which clipping changed the gradients.%n",
                finalWindow, runs.isEmpty() ? Double.NaN : runs.get(0).uniformLoss()));
        return s.toString();
    }

    private static String loss(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : Double.toString(v);
    }

    private static String diverged(RunHistory run, int finalWindow) {
        int bad = run.nonFiniteStep();
        if (bad >= 0) {
            return "yes (NaN/inf at step " + bad + ")";
        }
        if (run.diverged(finalWindow)) {
            int at = run.blowUpStep();
            return at >= 0 ? "yes (blew up at step " + at + ")" : "yes";
        }
        return "no";
    }
}
