package dev.gradclip.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * {@code --plot FILE}: the runs' loss (top) and gradient norm (bottom, log scale) against the step,
 * on shared axes, one colour per run. Drawn with java.awt in headless mode: no dependency, no display.
 *
 * <p>The loss is a trailing mean over a few steps, because each step sees one random window of text
 * and its own loss is noisy; the gradient norm is drawn raw, since its spikes are the story.
 */
final class Plot {
    static final int WIDTH = 1200;
    static final int HEIGHT = 900;

    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 108;
    private static final int PANEL_GAP = 70;
    private static final int BOTTOM = 60;
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    private static final Font SUBTITLE_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font PANEL_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Color GRID = new Color(0xe4e4e4);
    private static final Color AXIS = new Color(0x555555);

    /**
     * What the picture says about the runs beyond their curves.
     *
     * @param title first line, e.g. the model and data
     * @param subtitle second line, e.g. the optimizer, seed and backend
     * @param maxNorm the norm clips' threshold, drawn as a dashed line on the norm panel
     * @param smoothing the loss curves' trailing-mean window, in steps
     * @param finalWindow the window the verdict's final loss averages over
     */
    record Labels(String title, String subtitle, double maxNorm, int smoothing, int finalWindow) {}

    private Plot() {}

    /** Draws {@code runs} to a PNG file, creating its folder if needed. */
    static void write(List<RunHistory> runs, Labels labels, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(draw(runs, labels), "png", file.toFile())) {
            throw new IOException("no PNG writer in this JVM");
        }
    }

    /** {@return the picture} */
    static BufferedImage draw(List<RunHistory> runs, Labels labels) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.BLACK);
            g.setFont(TITLE_FONT);
            g.drawString(labels.title(), LEFT, 30);
            g.setFont(SUBTITLE_FONT);
            g.setColor(AXIS);
            g.drawString(labels.subtitle(), LEFT, 52);

            int maxStep = runs.stream().mapToInt(RunHistory::plannedSteps).max().orElse(1);
            int panelHeight = (HEIGHT - TOP - PANEL_GAP - BOTTOM) / 2;
            Axes loss = lossAxes(runs, maxStep, TOP, panelHeight);
            Axes norm = normAxes(runs, maxStep, TOP + panelHeight + PANEL_GAP, panelHeight);
            loss.frame(g, "training loss (nats per character, mean of the last " + labels.smoothing() + " steps)");
            norm.frame(g, "gradient L2 norm before clipping (all tensors, log scale)");
            for (RunHistory run : runs) {
                drawLoss(g, loss, run, labels.smoothing());
                drawNorm(g, norm, run);
            }
            drawMaxNorm(g, norm, labels.maxNorm());
            drawLegend(g, loss, runs, labels.finalWindow());
            g.setColor(AXIS);
            g.setFont(LABEL_FONT);
            String x = "step";
            g.drawString(x, norm.left + norm.width / 2 - g.getFontMetrics().stringWidth(x) / 2, HEIGHT - 18);
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Linear loss axis from 0 to twice the uniform-guess loss: a run above that has blown up. */
    private static Axes lossAxes(List<RunHistory> runs, int maxStep, int top, int height) {
        double uniform = runs.isEmpty() ? 1 : runs.get(0).uniformLoss();
        double yMax = Math.ceil(2 * uniform);
        return new Axes(top, height, maxStep, 0, yMax, false);
    }

    /** Log axis over whole decades covering every finite positive norm of every run. */
    private static Axes normAxes(List<RunHistory> runs, int maxStep, int top, int height) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (RunHistory run : runs) {
            for (int i = 0; i < run.steps(); i++) {
                double n = run.gradNorm(i);
                if (Double.isFinite(n) && n > 0) {
                    lo = Math.min(lo, n);
                    hi = Math.max(hi, n);
                }
            }
        }
        if (!(lo <= hi)) {
            lo = 0.1;
            hi = 10;
        }
        double decadeLo = Math.floor(Math.log10(lo));
        double decadeHi = Math.max(decadeLo + 1, Math.ceil(Math.log10(hi)));
        return new Axes(top, height, maxStep, decadeLo, decadeHi, true);
    }

    private static void drawLoss(Graphics2D g, Axes axes, RunHistory run, int window) {
        Path2D.Double line = new Path2D.Double();
        double sum = 0;
        int finite = 0;
        int lastX = -1;
        double lastY = Double.NaN;
        for (int i = 0; i < run.steps(); i++) {
            double v = run.loss(i);
            if (!Double.isFinite(v)) {
                break;
            }
            sum += v;
            finite++;
            if (i >= window) {
                sum -= run.loss(i - window);
                finite--;
            }
            double mean = sum / finite;
            double x = axes.x(i);
            double y = axes.y(Math.min(mean, axes.yHi)); // off the scale: pinned to the top edge
            if (lastX < 0) {
                line.moveTo(x, y);
            } else {
                line.lineTo(x, y);
            }
            lastX = i;
            lastY = y;
        }
        g.setColor(color(run.mode()));
        g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        axes.clipped(g, () -> g.draw(line));
        int blowUp = run.blowUpStep();
        if (blowUp >= 0 && run.nonFiniteStep() < 0 && run.finalLoss(window) > axes.yHi) {
            // A run that blew up and stayed above the scale: say so where its line leaves the panel.
            g.setFont(LABEL_FONT);
            g.setColor(color(run.mode()));
            String note = "\u2191 " + run.mode().label() + ": loss above the scale from step " + blowUp + " on";
            g.drawString(note, (float) axes.x(blowUp) + 8, axes.top + 18);
        }
        int bad = run.nonFiniteStep();
        if (bad >= 0) {
            // Where the run hit NaN or infinity: a cross at its last finite point (or at the top).
            double x = axes.x(bad);
            double y = Double.isFinite(lastY) ? Math.max(axes.top, Math.min(axes.top + axes.height, lastY)) : axes.top;
            cross(g, x, y, color(run.mode()));
            g.setFont(LABEL_FONT);
            g.drawString("NaN/inf at step " + bad, (float) x + 8, (float) y + 16);
        }
    }

    private static void drawNorm(Graphics2D g, Axes axes, RunHistory run) {
        Path2D.Double line = new Path2D.Double();
        boolean open = false;
        for (int i = 0; i < run.steps(); i++) {
            double n = run.gradNorm(i);
            if (!(Double.isFinite(n) && n > 0)) {
                open = false;
                continue;
            }
            double x = axes.x(i);
            double y = axes.y(n);
            if (open) {
                line.lineTo(x, y);
            } else {
                line.moveTo(x, y);
                open = true;
            }
        }
        Color c = color(run.mode());
        g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 170));
        g.setStroke(new BasicStroke(1.1f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        axes.clipped(g, () -> g.draw(line));
    }

    private static void drawMaxNorm(Graphics2D g, Axes axes, double maxNorm) {
        if (!(maxNorm > 0)) {
            return;
        }
        double y = axes.y(maxNorm);
        if (y < axes.top || y > axes.top + axes.height) {
            return;
        }
        Stroke dashed = new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {7, 5}, 0);
        g.setStroke(dashed);
        g.setColor(Color.DARK_GRAY);
        g.drawLine(axes.left, (int) Math.round(y), axes.left + axes.width, (int) Math.round(y));
        g.setFont(LABEL_FONT);
        String label = "--max-norm " + number(maxNorm);
        FontMetrics fm = g.getFontMetrics();
        int x = axes.left + axes.width - fm.stringWidth(label) - 8;
        int base = (int) Math.round(y) + fm.getAscent() + 4;
        g.setColor(new Color(255, 255, 255, 220));
        g.fillRect(x - 3, base - fm.getAscent(), fm.stringWidth(label) + 6, fm.getHeight());
        g.setColor(Color.DARK_GRAY);
        g.drawString(label, x, base);
    }

    private static void drawLegend(Graphics2D g, Axes axes, List<RunHistory> runs, int finalWindow) {
        g.setFont(LABEL_FONT);
        FontMetrics fm = g.getFontMetrics();
        String[] lines = new String[runs.size()];
        int width = 0;
        for (int i = 0; i < runs.size(); i++) {
            lines[i] = legendLine(runs.get(i), finalWindow);
            width = Math.max(width, fm.stringWidth(lines[i]));
        }
        int row = 20;
        int boxWidth = width + 50;
        int boxHeight = row * runs.size() + 12;
        int x0 = axes.left + axes.width - boxWidth - 12;
        int y0 = axes.top + 12;
        g.setColor(new Color(255, 255, 255, 230));
        g.fillRect(x0, y0, boxWidth, boxHeight);
        g.setColor(GRID.darker());
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x0, y0, boxWidth, boxHeight);
        for (int i = 0; i < runs.size(); i++) {
            int y = y0 + 8 + row * i + row / 2;
            g.setColor(color(runs.get(i).mode()));
            g.setStroke(new BasicStroke(3f));
            g.drawLine(x0 + 10, y, x0 + 34, y);
            g.setColor(Color.BLACK);
            g.drawString(lines[i], x0 + 42, y + fm.getAscent() / 2 - 1);
        }
    }

    /** {@return e.g. "global norm: final loss 2.33, clipped 66% of steps"} */
    static String legendLine(RunHistory run, int finalWindow) {
        String s = run.mode().label() + ": ";
        int bad = run.nonFiniteStep();
        if (bad >= 0) {
            s += "NaN/inf at step " + bad;
        } else if (run.diverged(finalWindow)) {
            double last = run.finalLoss(finalWindow);
            s += "diverged, final loss " + number(last) + (last > Math.ceil(2 * run.uniformLoss()) ? " (above the scale)" : "");
        } else {
            s += "final loss " + String.format(Locale.ROOT, "%.2f", run.finalLoss(finalWindow));
        }
        if (run.mode() != ClipMode.NONE) {
            s += String.format(Locale.ROOT, ", clipped %.0f%% of steps", 100 * run.clipRate());
        }
        return s;
    }

    private static void cross(Graphics2D g, double x, double y, Color c) {
        g.setColor(c);
        g.setStroke(new BasicStroke(3f));
        int r = 7;
        int xi = (int) Math.round(x);
        int yi = (int) Math.round(y);
        g.drawLine(xi - r, yi - r, xi + r, yi + r);
        g.drawLine(xi - r, yi + r, xi + r, yi - r);
    }

    /** {@return the run's colour: red for the unclipped control, a distinct one for each clip} */
    static Color color(ClipMode mode) {
        return switch (mode) {
            case NONE -> new Color(0xd62728);
            case GLOBAL_NORM -> new Color(0x1f77b4);
            case PER_TENSOR_NORM -> new Color(0x2ca02c);
            case VALUE -> new Color(0xff7f0e);
        };
    }

    /** {@return a short number: 0.25, 2.3, 250, 1.2e+06} */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        double a = Math.abs(v);
        if (a != 0 && (a >= 1e4 || a < 1e-4)) {
            return String.format(Locale.ROOT, "%.2g", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        // Three significant digits without trailing zeros: 20, 0.25, 2.19.
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.3g", v)).stripTrailingZeros().toPlainString();
    }

    /** One panel: a rectangle, its data ranges, and the mapping between the two. */
    private static final class Axes {
        final int left = LEFT;
        final int top;
        final int width = WIDTH - LEFT - RIGHT;
        final int height;
        final int maxStep;
        final double yLo;
        final double yHi;
        final boolean log; // yLo and yHi are decades when true

        Axes(int top, int height, int maxStep, double yLo, double yHi, boolean log) {
            this.top = top;
            this.height = height;
            this.maxStep = Math.max(1, maxStep);
            this.yLo = yLo;
            this.yHi = yHi;
            this.log = log;
        }

        double x(int step) {
            return left + (double) step / maxStep * width;
        }

        double y(double value) {
            double v = log ? Math.log10(value) : value;
            return top + height - (v - yLo) / (yHi - yLo) * height;
        }

        /** Runs {@code draw} with drawing limited to the panel (off-scale parts are cut at its edge). */
        void clipped(Graphics2D g, Runnable draw) {
            g.setClip(left, top, width + 1, height + 1);
            draw.run();
            g.setClip(null);
        }

        void frame(Graphics2D g, String title) {
            g.setFont(PANEL_FONT);
            g.setColor(Color.BLACK);
            g.drawString(title, left, top - 10);
            g.setFont(LABEL_FONT);
            FontMetrics fm = g.getFontMetrics();
            g.setStroke(new BasicStroke(1f));
            // Horizontal grid: every decade (log) or a round step (linear).
            if (log) {
                for (int d = (int) yLo; d <= (int) yHi; d++) {
                    int y = (int) Math.round(this.y(Math.pow(10, d)));
                    g.setColor(GRID);
                    g.drawLine(left, y, left + width, y);
                    g.setColor(AXIS);
                    String label = decade(d);
                    g.drawString(label, left - 8 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
                }
            } else {
                double step = niceStep(yHi - yLo, 6);
                for (double v = yLo; v <= yHi + 1e-9; v += step) {
                    int y = (int) Math.round(this.y(v));
                    g.setColor(GRID);
                    g.drawLine(left, y, left + width, y);
                    g.setColor(AXIS);
                    String label = number(v);
                    g.drawString(label, left - 8 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
                }
            }
            // Vertical grid: round step numbers, shared by both panels.
            double step = niceStep(maxStep, 10);
            for (double s = 0; s <= maxStep + 1e-9; s += step) {
                int x = (int) Math.round(this.x((int) Math.round(s)));
                g.setColor(GRID);
                g.drawLine(x, top, x, top + height);
                g.setColor(AXIS);
                String label = Long.toString(Math.round(s));
                g.drawString(label, x - fm.stringWidth(label) / 2, top + height + fm.getAscent() + 4);
            }
            g.setColor(AXIS);
            g.drawRect(left, top, width, height);
        }

        private static String decade(int d) {
            return switch (d) {
                case -2 -> "0.01";
                case -1 -> "0.1";
                case 0 -> "1";
                case 1 -> "10";
                case 2 -> "100";
                default -> "1e" + d;
            };
        }

        /** {@return 1, 2 or 5 times a power of ten, giving at most about {@code ticks} steps over {@code range}} */
        private static double niceStep(double range, int ticks) {
            double raw = range / ticks;
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            for (double m : new double[] {1, 2, 5, 10}) {
                if (m * p >= raw) {
                    return m * p;
                }
            }
            return 10 * p;
        }
    }
}
