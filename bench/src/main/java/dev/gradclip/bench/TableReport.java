package dev.gradclip.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The terminal table: one block per set and dtype, one row per measurement. */
public final class TableReport {
    private TableReport() {}

    private static final String ROW = "  %-16s %-9s %-9s %10s %10s %10s %4s %8s %7s  %s%n";

    /**
     * {@return the block for one set and dtype}
     *
     * @param title e.g. "gpt2-124m f32: 148 tensors, 124,439,808 elements, 497.8 MB"
     * @param results the block's floors, backends and peers, in run order
     */
    public static String block(String title, List<Result> results) {
        StringBuilder b = new StringBuilder("\n== ").append(title).append(" ==\n");
        b.append(String.format(Locale.ROOT, ROW, "mode", "backend", "kind", "median ms", "min ms", "max ms", "runs",
                "GB/s", "%floor", "check / note"));
        for (Result r : results) {
            String pct = r.kind().equals("floor") ? "" : percent(r.pctOfFloor());
            List<String> tail = new ArrayList<>();
            if (r.kind().equals("peer") && Double.isFinite(r.speedup())) {
                tail.add(r.fastestBackend() + " is " + speedup(r.speedup()));
            }
            if (r.batch() > 0) {
                tail.add("batch " + r.batch());
            }
            if (r.kind().equals("floor") && r.clipping()) {
                tail.add("read+write counted");
            }
            if (!r.check().equals("ok")) {
                tail.add("CHECK FAILED: " + r.check());
            }
            String who = r.kind().equals("floor") ? r.device() : r.backend(); // a floor's "backend" is where it was measured
            b.append(String.format(Locale.ROOT, ROW, r.mode(), who, r.kind(), ms(r.stats().medianMs()),
                    ms(r.stats().minMs()), ms(r.stats().maxMs()), r.stats().runs(), String.format(Locale.ROOT, "%.1f", r.gbPerS()),
                    pct, String.join("; ", tail)));
        }
        return b.toString();
    }

    /** {@return "3.2x faster" or "1.5x slower" for a peer median over our median} */
    static String speedup(double ratio) {
        return ratio >= 1 ? String.format(Locale.ROOT, "%.1fx faster", ratio)
                : String.format(Locale.ROOT, "%.1fx slower", 1 / ratio);
    }

    private static String ms(double ms) {
        return String.format(Locale.ROOT, ms >= 100 ? "%.1f" : ms >= 1 ? "%.2f" : "%.3f", ms);
    }

    private static String percent(double pct) {
        return Double.isFinite(pct) ? String.format(Locale.ROOT, "%.1f%%", pct) : "-";
    }
}
