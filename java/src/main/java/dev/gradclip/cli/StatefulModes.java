package dev.gradclip.cli;

import dev.gradclip.ClipPolicy;
import dev.gradclip.GradientSet;
import dev.gradclip.adaptive.AutoClip;
import dev.gradclip.adaptive.ClipStep;
import dev.gradclip.adaptive.LossScaler;
import dev.gradclip.adaptive.ZClip;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * The {@code clip} verb's stateful modes: AutoClip, ZClip and the loss scaler's fused unscale-and-clip.
 * Their state (norm history, running statistics, loss scale) lives in a small JSON file read before the
 * clip and rewritten after it, so a pipeline that calls the verb once per step keeps it across calls,
 * as a trainer keeps it in its checkpoint.
 */
final class StatefulModes {
    private StatefulModes() {}

    /** Thrown for a state file that cannot be used; the message names the problem. */
    static final class BadStateException extends Exception {
        private static final long serialVersionUID = 1L;

        BadStateException(Path file, String message) {
            super(file + ": " + message);
        }
    }

    /** What a stateful clip did, and the state to save. */
    record Outcome(ClipStep step, String stateJson) {}

    /** AutoClip: threshold = the percentile of the norm history, this step's norm included. */
    static Outcome autoClip(GradientSet set, double percentile, int window, Path stateFile) throws IOException, BadStateException {
        AutoClip clipper = new AutoClip(percentile, window);
        Map<String, Object> saved = read(stateFile, "autoclip");
        if (saved != null) {
            try {
                clipper.restore(new AutoClip.State(percentile, window, doubles(stateFile, saved, "history")));
            } catch (IllegalArgumentException e) {
                throw new BadStateException(stateFile, e.getMessage());
            }
        }
        ClipStep step = clipper.clip(set);
        AutoClip.State s = clipper.state();
        return new Outcome(step, "{\"kind\":\"autoclip\",\"percentile\":" + Json.number(s.percentile()) + ",\"window\":"
                + s.window() + ",\"history\":" + array(s.history()) + "}");
    }

    /** ZClip: spikes beyond z standard deviations of the running norm statistics are clipped to that bound. */
    static Outcome zClip(GradientSet set, double alpha, int warmup, double z, Path stateFile) throws IOException, BadStateException {
        ZClip clipper = new ZClip(alpha, warmup, z, dev.gradclip.NonFinitePolicy.PROPAGATE);
        Map<String, Object> saved = read(stateFile, "zclip");
        if (saved != null) {
            try {
                clipper.restore(new ZClip.State(((Number) field(stateFile, saved, "steps")).longValue(),
                        number(stateFile, saved, "mean"), number(stateFile, saved, "variance"),
                        doubles(stateFile, saved, "warmup_norms")));
            } catch (IllegalArgumentException | ClassCastException e) {
                throw new BadStateException(stateFile, e.getMessage());
            }
        }
        ClipStep step = clipper.clip(set);
        ZClip.State s = clipper.state();
        return new Outcome(step, "{\"kind\":\"zclip\",\"steps\":" + s.steps() + ",\"mean\":" + Json.number(s.mean())
                + ",\"variance\":" + Json.number(s.variance()) + ",\"warmup_norms\":" + array(s.warmupNorms()) + "}");
    }

    /** Mixed precision: gradients scaled by S are unscaled and clipped in one write pass; S grows or backs off. */
    static Outcome amp(GradientSet set, ClipPolicy.GlobalNorm policy, double initialScale, Path stateFile)
            throws IOException, BadStateException {
        LossScaler scaler = new LossScaler(initialScale, LossScaler.DEFAULT_GROWTH_FACTOR, LossScaler.DEFAULT_BACKOFF_FACTOR,
                LossScaler.DEFAULT_GROWTH_INTERVAL);
        Map<String, Object> saved = read(stateFile, "amp");
        if (saved != null) {
            try {
                scaler.restore(new LossScaler.State(number(stateFile, saved, "scale"),
                        ((Number) field(stateFile, saved, "growth_tracker")).intValue()));
            } catch (IllegalArgumentException | ClassCastException e) {
                throw new BadStateException(stateFile, e.getMessage());
            }
        }
        ClipStep step = scaler.unscaleAndClip(set, policy);
        LossScaler.State s = scaler.state();
        return new Outcome(step, "{\"kind\":\"amp\",\"scale\":" + Json.number(s.scale()) + ",\"growth_tracker\":"
                + s.growthTracker() + "}");
    }

    /** Writes the state atomically (a temporary file moved into place). */
    static void save(Path stateFile, String json) throws IOException {
        Path dir = stateFile.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".gradclip-state-", ".tmp");
        try {
            Files.writeString(tmp, json + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** {@return the saved state, or null when there is no file yet (the first step)} */
    private static Map<String, Object> read(Path stateFile, String kind) throws IOException, BadStateException {
        if (stateFile == null || !Files.exists(stateFile)) {
            return null;
        }
        Object json;
        try {
            json = Json.parse(Files.readString(stateFile, StandardCharsets.UTF_8));
        } catch (Json.ParseException e) {
            throw new BadStateException(stateFile, "not valid JSON: " + e.getMessage());
        }
        if (!(json instanceof Map<?, ?> map) || !kind.equals(map.get("kind"))) {
            throw new BadStateException(stateFile, "not a saved " + kind + " state (\"kind\": \"" + kind + "\")");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) map;
        return typed;
    }

    private static Object field(Path file, Map<String, Object> map, String name) throws BadStateException {
        Object v = map.get(name);
        if (v == null) {
            throw new BadStateException(file, "missing \"" + name + "\"");
        }
        return v;
    }

    private static double number(Path file, Map<String, Object> map, String name) throws BadStateException {
        Object v = field(file, map, name);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s && (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity"))) {
            return Double.parseDouble(s);
        }
        throw new BadStateException(file, "\"" + name + "\" is not a number");
    }

    private static double[] doubles(Path file, Map<String, Object> map, String name) throws BadStateException {
        if (!(field(file, map, name) instanceof List<?> list)) {
            throw new BadStateException(file, "\"" + name + "\" is not a list");
        }
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Number n)) {
                throw new BadStateException(file, "\"" + name + "\" holds a non-number");
            }
            out[i] = n.doubleValue();
        }
        return out;
    }

    private static String array(double[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",").append(Json.number(values[i]));
        }
        return sb.append(']').toString();
    }
}
