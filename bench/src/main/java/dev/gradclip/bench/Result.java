package dev.gradclip.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measurement, as the table, JSON and CSV reports show it.
 *
 * @param kind "backend", "peer" or "floor"
 * @param backend the backend ("java", "cpu", "cuda"), the peer ("javaloop", "nd4j", "djl", "pytorch") or
 *     the floor ("floor")
 * @param device "host" or "cuda"
 * @param set the gradient set's name
 * @param mode the mode's command-line name; "read" or "copy" for floors
 * @param dtype "f32", "bf16", "f16" or "f64"
 * @param clipping true when the mode writes the gradients
 * @param tensors tensors in the set
 * @param elements elements in the set
 * @param bytes bytes of the elements (the B of the floor formulas)
 * @param batch per-sample modes: the samples in their inputs (batch * B bytes); 0 for the other modes
 * @param stats the timed runs
 * @param gbPerS the floor's traffic ({@link Mode#traffic}) over the median time, in 10^9 bytes per second
 * @param floorMs the floor time of this mode over these bytes; NaN when no floor was measured
 * @param pctOfFloor {@code 100 * floorMs / median}; NaN when no floor was measured
 * @param check "ok" or what the first run got wrong
 * @param note how the implementation ran (threads, zero-copy or copied, versions)
 * @param speedup for a peer: its median over the best backend's median of the same case; NaN otherwise
 * @param fastestBackend for a peer: the backend that {@code speedup} refers to; "" otherwise
 */
public record Result(String kind, String backend, String device, String set, String mode, String dtype,
        boolean clipping, int tensors, long elements, long bytes, int batch, Stats stats, double gbPerS, double floorMs,
        double pctOfFloor, String check, String note, double speedup, String fastestBackend) {

    /**
     * {@return a backend's or a peer's result, with GB/s and % of floor derived from {@code floor} (null: none)}
     *
     * @param batch the per-sample modes' samples; ignored by the other modes
     */
    public static Result of(String kind, String backend, String device, ShapeSet set, String dtype, Mode mode,
            long bytes, int batch, Stats stats, Floor floor, String check, String note) {
        Traffic traffic = mode.traffic(bytes, batch);
        double floorMs = floor == null ? Double.NaN : floor.ms(traffic);
        return new Result(kind, backend, device, set.name(), mode.cliName(), dtype, mode.clipping(),
                set.tensors().size(), set.elementCount(), bytes, mode.perSample() ? batch : 0, stats,
                traffic.total() / (stats.medianMs() * 1e6), floorMs,
                100.0 * floorMs / stats.medianMs(), check, note, Double.NaN, "");
    }

    /**
     * {@return a floor measurement: {@code which} is "read", "copy" or "in-place"; its GB/s counts read
     * and written bytes for the last two}
     */
    public static Result floor(String device, ShapeSet set, String dtype, long bytes, String which, Stats stats,
            String method) {
        boolean writes = !which.equals("read");
        double traffic = writes ? 2.0 * bytes : bytes;
        return new Result("floor", "floor", device, set.name(), which, dtype, writes, set.tensors().size(),
                set.elementCount(), bytes, 0, stats, traffic / (stats.medianMs() * 1e6), stats.medianMs(), 100.0, "ok",
                method, Double.NaN, "");
    }

    /** {@return this peer result with its speed-up against {@code fastest}, the best backend's result} */
    public Result withSpeedup(Result fastest) {
        return new Result(kind, backend, device, set, mode, dtype, clipping, tensors, elements, bytes, batch, stats, gbPerS,
                floorMs, pctOfFloor, check, note, stats.medianMs() / fastest.stats.medianMs(), fastest.backend);
    }

    /**
     * {@return the record's fields in report order, as the JSON and CSV reports name them: String,
     * Boolean, Integer, Long or Double values; null for a figure that does not apply (NaN)}
     */
    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("backend", backend);
        m.put("device", device);
        m.put("set", set);
        m.put("mode", mode);
        m.put("dtype", dtype);
        m.put("clipping", clipping);
        m.put("tensors", tensors);
        m.put("elements", elements);
        m.put("bytes", bytes);
        m.put("batch", batch > 0 ? batch : null);
        m.put("runs", stats.runs());
        m.put("ms_median", number(stats.medianMs()));
        m.put("ms_min", number(stats.minMs()));
        m.put("ms_max", number(stats.maxMs()));
        m.put("gb_per_s", number(gbPerS));
        m.put("floor_ms", number(floorMs));
        m.put("pct_of_floor", number(pctOfFloor));
        m.put("check", check);
        m.put("speedup", number(speedup));
        m.put("fastest_backend", fastestBackend.isEmpty() ? null : fastestBackend);
        m.put("note", note);
        return m;
    }

    private static Double number(double x) {
        return Double.isFinite(x) ? x : null;
    }

    /** {@return true when this and {@code other} measure the same case (set, mode, dtype, device)} */
    public boolean sameCase(Result other) {
        return set.equals(other.set) && mode.equals(other.mode) && dtype.equals(other.dtype) && device.equals(other.device);
    }
}
