package dev.gradclip.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * {@code --plot FILE.png}: a grouped bar chart of % of floor: one group of bars per mode, groups
 * gathered under their set and dtype, one bar (colour) per backend or peer. Drawn with java.awt in
 * headless mode: no dependency, no display.
 */
public final class PlotReport {
    private PlotReport() {}

    private static final String TITLE = "gradclip bench: % of the memory floor (higher is better; dashed line = at the floor)";
    private static final int BAR = 14;
    private static final int GAP = 14;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 50;
    private static final int PLOT_HEIGHT = 360;
    private static final int LEGEND_ITEM = 170;
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    /** Draws the backends' and peers' % of floor in {@code results} (floors themselves are left out) to {@code file}. */
    public static void write(List<Result> results, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        ImageIO.write(draw(results), "png", file.toFile());
    }

    /** {@return the chart} */
    static BufferedImage draw(List<Result> results) {
        // set label -> mode label -> implementation -> % of floor
        Map<String, Map<String, Map<String, Double>>> sets = new LinkedHashMap<>();
        Set<String> implementations = new LinkedHashSet<>();
        double max = 100;
        for (Result r : results) {
            if (r.kind().equals("floor") || !Double.isFinite(r.pctOfFloor())) {
                continue;
            }
            String set = r.set() + " " + r.dtype();
            String mode = r.mode() + (r.device().equals("host") ? "" : " (" + r.device() + ")");
            String impl = r.kind().equals("peer") ? r.backend() + " (peer)" : r.backend();
            sets.computeIfAbsent(set, s -> new LinkedHashMap<>()).computeIfAbsent(mode, m -> new LinkedHashMap<>())
                    .put(impl, r.pctOfFloor());
            implementations.add(impl);
            max = Math.max(max, r.pctOfFloor());
        }
        List<String> impls = new ArrayList<>(implementations);
        FontMetrics fm = metrics(LABEL_FONT);
        int bars = Math.max(1, impls.size()) * BAR;
        int plotWidth = 0;
        for (Map<String, Map<String, Double>> modes : sets.values()) {
            for (String mode : modes.keySet()) {
                plotWidth += groupWidth(bars, mode, fm);
            }
        }
        int width = Math.max(Math.max(640, LEFT + plotWidth + RIGHT), LEFT + metrics(TITLE_FONT).stringWidth(TITLE) + RIGHT);
        int perRow = Math.max(1, (width - LEFT) / LEGEND_ITEM);
        int legendRows = (impls.size() + perRow - 1) / perRow;
        int baseline = TOP + PLOT_HEIGHT;
        int height = baseline + 60 + legendRows * 20 + 10;
        double top = Math.ceil(max / 25) * 25;

        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(TITLE_FONT);
            g.drawString(TITLE, LEFT, 28);
            g.setFont(LABEL_FONT);
            for (double y = 0; y <= top; y += 25) {
                int py = baseline - (int) Math.round(y / top * PLOT_HEIGHT);
                boolean floor = y == 100;
                g.setColor(floor ? Color.DARK_GRAY : new Color(0xdddddd));
                g.setStroke(floor ? new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 4}, 0)
                        : new BasicStroke(1));
                g.drawLine(LEFT, py, width - RIGHT, py);
                g.setColor(Color.BLACK);
                String label = String.format(Locale.ROOT, "%.0f%%", y);
                g.drawString(label, LEFT - 6 - fm.stringWidth(label), py + 4);
            }
            g.setStroke(new BasicStroke(1));
            int x = LEFT;
            for (Map.Entry<String, Map<String, Map<String, Double>>> set : sets.entrySet()) {
                int setStart = x;
                for (Map.Entry<String, Map<String, Double>> mode : set.getValue().entrySet()) {
                    int w = groupWidth(bars, mode.getKey(), fm);
                    int barsStart = x + (w - bars) / 2;
                    for (int i = 0; i < impls.size(); i++) {
                        Double pct = mode.getValue().get(impls.get(i));
                        if (pct != null) {
                            int h = (int) Math.round(pct / top * PLOT_HEIGHT);
                            g.setColor(PALETTE[i % PALETTE.length]);
                            g.fillRect(barsStart + i * BAR, baseline - h, BAR - 2, h);
                        }
                    }
                    g.setColor(Color.BLACK);
                    g.drawString(mode.getKey(), x + (w - fm.stringWidth(mode.getKey())) / 2, baseline + 15);
                    x += w;
                }
                g.setColor(Color.GRAY);
                g.drawLine(x, baseline, x, baseline + 36); // separates the sets
                g.setColor(Color.BLACK);
                g.drawString(set.getKey(), setStart + (x - setStart - fm.stringWidth(set.getKey())) / 2, baseline + 32);
            }
            g.drawLine(LEFT, baseline, width - RIGHT, baseline);
            for (int i = 0; i < impls.size(); i++) {
                int lx = LEFT + (i % perRow) * LEGEND_ITEM;
                int ly = baseline + 58 + (i / perRow) * 20;
                g.setColor(PALETTE[i % PALETTE.length]);
                g.fillRect(lx, ly - 10, 12, 12);
                g.setColor(Color.BLACK);
                g.drawString(impls.get(i), lx + 18, ly);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static int groupWidth(int bars, String label, FontMetrics fm) {
        return Math.max(bars, fm.stringWidth(label)) + GAP;
    }

    private static FontMetrics metrics(Font font) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            return g.getFontMetrics(font);
        } finally {
            g.dispose();
        }
    }
}
