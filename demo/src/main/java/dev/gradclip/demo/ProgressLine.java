package dev.gradclip.demo;

import java.io.PrintStream;
import java.util.Locale;

/**
 * One line per run: rewritten in place while the run trains when the output is a terminal, and
 * printed once, finished, in any case (so a log or a pipe gets exactly one line per run).
 */
final class ProgressLine implements Trainer.Listener {
    /** Least time between two redraws on a terminal. */
    private static final long REDRAW_NANOS = 250_000_000L;

    private final PrintStream out;
    private final boolean live;
    private final String prefix;
    private final int finalWindow;
    private long lastDraw;

    /**
     * @param live true to redraw the line in place while training (only on a terminal)
     * @param index this run's number, from 1
     * @param count the number of runs
     */
    ProgressLine(PrintStream out, boolean live, ClipMode mode, int index, int count, int finalWindow) {
        this.out = out;
        this.live = live;
        this.prefix = String.format(Locale.ROOT, "[%d/%d] %-16s", index, count, mode.label());
        this.finalWindow = finalWindow;
        this.lastDraw = System.nanoTime();
    }

    @Override
    public void stepDone(RunHistory history) {
        if (!live) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS) {
            lastDraw = now;
            out.print("\r" + line(history) + "\u001b[K"); // ESC[K: erase what a longer line left behind
            out.flush();
        }
    }

    /** Prints the finished line. */
    void done(RunHistory history) {
        out.print((live ? "\r" : "") + line(history) + (live ? "\u001b[K" : "") + System.lineSeparator());
        out.flush();
    }

    private String line(RunHistory h) {
        int n = h.steps();
        if (n == 0) {
            return prefix + " starting";
        }
        int window = Math.min(finalWindow, n);
        double loss = h.nonFiniteStep() >= 0 ? h.loss(n - 1) : h.finalLoss(window);
        String lossText = Double.isFinite(loss) && Math.abs(loss) < 100 ? String.format(Locale.ROOT, "%.3f", loss)
                : Plot.number(loss);
        String s = String.format(Locale.ROOT, "%s step %5d/%d  loss %7s  grad norm %8s", prefix, n, h.plannedSteps(),
                lossText, Plot.number(h.gradNorm(n - 1)));
        if (h.mode() != ClipMode.NONE) {
            s += String.format(Locale.ROOT, "  clipped %5.1f%% of steps", 100 * h.clipRate());
        }
        return s;
    }
}
