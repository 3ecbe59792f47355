package dev.gradclip.cli;

import dev.gradclip.Backend;
import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.CoefficientRule;
import dev.gradclip.DType;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import dev.gradclip.NonFiniteGradientException;
import dev.gradclip.NonFinitePolicy;
import dev.gradclip.PerSampleClip;
import dev.gradclip.PerSampleSet;
import dev.gradclip.Tensor;
import dev.gradclip.Units;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code gradclip clip}: clips the gradients of a safetensors file into a new one and prints one JSON
 * object describing what it did. Exit status 0 on success, 1 for a bad file or a non-finite error,
 * 2 for bad arguments; no output file is written unless the clip succeeded.
 */
final class ClipCommand {
    static final String USAGE = """
            usage: gradclip clip --in IN.safetensors --out OUT.safetensors --mode MODE [options]
              --mode global|per-tensor  --max-norm C [--norm-type 2|1|inf|P] [--rule torch|exact]
              --mode value              --clip-value V
              --mode block-rms          --max-norm C (the largest RMS per tensor) [--rule exact|torch]
              --mode agc                --clip-factor L --params PARAMS.safetensors [--eps E] [--units torch|optax]
              --mode per-sample-flat|per-sample-layer
                                        --max-norm C --batch B [--noise SIGMA --seed S] [--divisor D | --mean]
                                        [--rule torch|exact]
              --mode autoclip           [--percentile 10] [--window 1000] [--state STATE.json]
              --mode zclip              [--z 2.5] [--alpha 0.97] [--warmup 25] [--state STATE.json]
              --mode amp                --max-norm C [--loss-scale 65536] [--state STATE.json]
              common: [--backend auto|java|cpu] [--nonfinite error|skip|propagate]
            Reads F32/F64/BF16/F16 tensors and writes the same names, shapes and dtypes, clipped.
            agc takes each tensor's parameters from PARAMS by name (same shape, any dtype); its units
            follow timm (torch: rows of the first dimension) or Optax (optax: columns of the last).
            per-sample-* read tensors whose first dimension is the batch and write their clipped, noised
            sum (divided by D, or by B with --mean) without that dimension. autoclip, zclip and amp
            (gradients holding loss-scaled values: unscaled and clipped in one pass) keep their state
            (norm history, running statistics, loss scale) in STATE.json, read before and rewritten after
            the clip, and print it as "state".
            Prints {"backend", "mode", "total_norm", "coefficient", "clipped", "clipped_count",
            "nonfinite", "tensors": [{"name", "dtype", "norm"}...]} on stdout ("samples" and
            "output_written" for per-sample-*); non-finite numbers print as the strings "NaN",
            "Infinity", "-Infinity". With --mode value the norms are measured before clipping.""";

    private ClipCommand() {}

    static int run(List<String> args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("gradclip clip: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (o.backend == Backend.CUDA) {
            err.println("gradclip clip: --backend cuda needs the gradients on the GPU; this verb reads files into "
                    + "host memory, so it runs on cpu or java (the cuda backend is for trainers' device tensors)");
            return 2;
        }
        try (Arena arena = Arena.ofShared()) {
            SafetensorsFile file = SafetensorsFile.read(o.in, arena);
            try (GradClip clip = GradClip.open(o.backend)) {
                String json = o.mode.startsWith("per-sample") ? perSample(clip, o, file, arena) : inPlace(clip, o, file, arena);
                out.println(json);
                return 0;
            }
        } catch (SafetensorsFile.BadFileException e) {
            err.println("gradclip clip: bad input file: " + e.getMessage());
            return 1;
        } catch (NonFiniteGradientException e) {
            err.println("gradclip clip: " + e.getMessage() + "; no output written");
            return 1;
        } catch (java.io.IOException e) {
            err.println("gradclip clip: " + e);
            return 1;
        } catch (IllegalArgumentException e) { // an option value the library refuses (a percentile of 150, ...)
            err.println("gradclip clip: " + e.getMessage());
            return 2;
        }
    }

    /** Every mode that clips the file's tensors in place; writes the file and returns the JSON. */
    private static String inPlace(GradClip clip, Options o, SafetensorsFile file, Arena arena)
            throws java.io.IOException, SafetensorsFile.BadFileException {
        try (GradientSet set = clip.register(file.tensors())) {
            if (o.mode.equals("autoclip") || o.mode.equals("zclip") || o.mode.equals("amp")) {
                return stateful(clip, o, set, file);
            }
            ClipPolicy policy = o.policy();
            if (policy instanceof ClipPolicy.Adaptive) {
                attachParameters(set, o, file, arena);
            }
            double[] norms = new double[set.size()];
            ClipResult r;
            double totalNorm;
            if (policy instanceof ClipPolicy.Value) {
                ClipResult before = set.norm(o.normType);
                totalNorm = before.totalNorm();
                before.copyTensorNorms(norms);
                r = set.clip(policy);
            } else {
                r = set.clip(policy);
                totalNorm = r.totalNorm();
                r.copyTensorNorms(norms);
            }
            file.write(o.out);
            return json(clip.backend(), o, totalNorm, r, file, norms, "");
        }
    }

    /** autoclip, zclip, amp: the clip, the output file, then the state file. */
    private static String stateful(GradClip clip, Options o, GradientSet set, SafetensorsFile file) throws java.io.IOException {
        StatefulModes.Outcome outcome;
        try {
            outcome = switch (o.mode) {
                case "autoclip" -> StatefulModes.autoClip(set, o.percentile, o.window, o.state);
                case "zclip" -> StatefulModes.zClip(set, o.alpha, o.warmup, o.z, o.state);
                default -> StatefulModes.amp(set, new ClipPolicy.GlobalNorm(o.maxNorm, o.normType, o.rule, o.nonFinite),
                        o.lossScale, o.state);
            };
        } catch (StatefulModes.BadStateException e) {
            throw new java.io.IOException("bad state file: " + e.getMessage(), e);
        }
        dev.gradclip.adaptive.ClipStep step = outcome.step();
        file.write(o.out);
        if (o.state != null) {
            StatefulModes.save(o.state, outcome.stateJson());
        }
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"backend\":").append(Json.quote(clip.backend().name().toLowerCase(Locale.ROOT)));
        sb.append(",\"mode\":").append(Json.quote(o.mode));
        sb.append(",\"total_norm\":").append(Json.number(step.totalNorm()));
        sb.append(",\"threshold\":").append(Json.number(step.threshold()));
        sb.append(",\"coefficient\":").append(Json.number(step.coefficient()));
        sb.append(",\"loss_scale\":").append(Json.number(step.scale()));
        sb.append(",\"clipped\":").append(step.clipped());
        sb.append(",\"nonfinite\":").append(step.nonFinite());
        sb.append(",\"state\":").append(outcome.stateJson());
        return sb.append('}').toString();
    }

    /** AGC: the parameters of every gradient, by name, from --params. */
    private static void attachParameters(GradientSet set, Options o, SafetensorsFile grads, Arena arena)
            throws java.io.IOException, SafetensorsFile.BadFileException {
        SafetensorsFile params = SafetensorsFile.read(o.params, arena);
        Map<String, Tensor> byName = new HashMap<>();
        for (Tensor t : params.tensors()) {
            byName.put(t.name(), t);
        }
        List<Tensor> matched = new ArrayList<>();
        List<Units> units = new ArrayList<>();
        for (Tensor g : grads.tensors()) {
            Tensor p = byName.get(g.name());
            if (p == null || !Arrays.equals(p.shape(), g.shape())) {
                throw new SafetensorsFile.BadFileException(o.params, "needs tensor '" + g.name() + "' of shape "
                        + Arrays.toString(g.shape()) + (p == null ? "; it is missing" : ", not " + Arrays.toString(p.shape())));
            }
            matched.add(p);
            try {
                units.add(o.optaxUnits ? Units.optax(g.shape()) : Units.torch(g.shape()));
            } catch (IllegalArgumentException e) {
                throw new SafetensorsFile.BadFileException(o.in, "tensor '" + g.name() + "': " + e.getMessage());
            }
        }
        set.attachParameters(matched, units);
    }

    /** per-sample-*: reads B samples per tensor, writes their clipped aggregate to a new file. */
    private static String perSample(GradClip clip, Options o, SafetensorsFile file, Arena arena)
            throws java.io.IOException, SafetensorsFile.BadFileException {
        List<String> names = new ArrayList<>();
        List<DType> dtypes = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        for (Tensor t : file.tensors()) {
            long[] shape = t.shape();
            if (shape.length == 0 || shape[0] != o.batch) {
                throw new SafetensorsFile.BadFileException(o.in, "tensor '" + t.name() + "' of shape "
                        + Arrays.toString(shape) + " has no leading batch dimension of " + o.batch);
            }
            names.add(t.name());
            dtypes.add(t.dtype());
            shapes.add(Arrays.copyOfRange(shape, 1, shape.length));
        }
        SafetensorsFile result = SafetensorsFile.create(names, dtypes, shapes, arena);
        try (PerSampleSet set = clip.registerPerSample(file.tensors(), o.batch, result.tensors())) {
            PerSampleClip policy = o.perSamplePolicy();
            ClipResult r = set.aggregate(policy, o.seed);
            StringBuilder samples = new StringBuilder(",\"samples\":[");
            for (int b = 0; b < o.batch; b++) {
                samples.append(b == 0 ? "" : ",");
                if (policy.scope() == PerSampleClip.Scope.FLAT) {
                    samples.append(Json.number(set.sampleNorm(b)));
                } else {
                    samples.append('[');
                    for (int i = 0; i < names.size(); i++) {
                        samples.append(i == 0 ? "" : ",").append(Json.number(set.sampleNorm(b, i)));
                    }
                    samples.append(']');
                }
            }
            boolean written = !(r.nonFinite() && policy.nonFinite() == NonFinitePolicy.SKIP);
            samples.append("],\"output_written\":").append(written);
            if (written) {
                result.write(o.out);
            }
            return json(clip.backend(), o, r.totalNorm(), r, result, null, samples.toString());
        }
    }

    /** @param norms per-tensor norms, or null to list the tensors without them */
    private static String json(Backend backend, Options o, double totalNorm, ClipResult r, SafetensorsFile file,
            double[] norms, String extra) {
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"backend\":").append(Json.quote(backend.name().toLowerCase(Locale.ROOT)));
        sb.append(",\"mode\":").append(Json.quote(o.mode));
        if (o.mode.equals("global") || o.mode.equals("per-tensor") || o.mode.equals("value")) {
            sb.append(",\"norm_type\":").append(Json.number(o.normType));
        }
        sb.append(",\"total_norm\":").append(Json.number(totalNorm));
        sb.append(",\"coefficient\":").append(Json.number(r.coefficient()));
        sb.append(",\"clipped\":").append(r.clipped());
        sb.append(",\"clipped_count\":").append(r.clippedCount());
        sb.append(",\"nonfinite\":").append(r.nonFinite());
        sb.append(extra);
        sb.append(",\"tensors\":[");
        for (int i = 0; i < file.entries().size(); i++) {
            SafetensorsFile.Entry e = file.entries().get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(Json.quote(e.name()))
                    .append(",\"dtype\":").append(Json.quote(e.dtype().safetensorsName()));
            if (norms != null) {
                sb.append(",\"norm\":").append(Json.number(norms[i]));
            }
            sb.append('}');
        }
        return sb.append("]}").toString();
    }

    /** Parsed command line. */
    private static final class Options {
        Path in;
        Path out;
        String mode;
        Double maxNorm;
        Double clipValue;
        Double clipFactor;
        double eps = ClipPolicy.Adaptive.DEFAULT_EPS;
        Path params;
        boolean optaxUnits;
        int batch;
        double noise;
        long seed;
        Double divisor;
        boolean mean;
        double percentile = 10;
        int window = 1000;
        double z = dev.gradclip.adaptive.ZClip.DEFAULT_Z_THRESHOLD;
        double alpha = dev.gradclip.adaptive.ZClip.DEFAULT_ALPHA;
        int warmup = dev.gradclip.adaptive.ZClip.DEFAULT_WARMUP_STEPS;
        double lossScale = dev.gradclip.adaptive.LossScaler.DEFAULT_INIT_SCALE;
        Path state;
        double normType = 2.0;
        Backend backend = Backend.AUTO;
        NonFinitePolicy nonFinite = NonFinitePolicy.PROPAGATE;
        CoefficientRule rule;

        static Options parse(List<String> args) {
            Options o = new Options();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--mean")) {
                    o.mean = true;
                    continue;
                }
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(a.startsWith("--") ? a + " needs a value" : "unexpected '" + a + "'");
                }
                String v = args.get(++i);
                switch (a) {
                    case "--in" -> o.in = Path.of(v);
                    case "--out" -> o.out = Path.of(v);
                    case "--mode" -> o.mode = oneOf(a, v, "global", "per-tensor", "value", "block-rms", "agc",
                            "per-sample-flat", "per-sample-layer", "autoclip", "zclip", "amp");
                    case "--max-norm" -> o.maxNorm = number(a, v);
                    case "--clip-value" -> o.clipValue = number(a, v);
                    case "--clip-factor" -> o.clipFactor = number(a, v);
                    case "--eps" -> o.eps = number(a, v);
                    case "--params" -> o.params = Path.of(v);
                    case "--units" -> o.optaxUnits = oneOf(a, v, "torch", "optax").equals("optax");
                    case "--batch" -> o.batch = (int) integer(a, v);
                    case "--noise" -> o.noise = number(a, v);
                    case "--seed" -> o.seed = integer(a, v);
                    case "--divisor" -> o.divisor = number(a, v);
                    case "--percentile" -> o.percentile = number(a, v);
                    case "--window" -> o.window = (int) integer(a, v);
                    case "--z" -> o.z = number(a, v);
                    case "--alpha" -> o.alpha = number(a, v);
                    case "--warmup" -> o.warmup = (int) integer(a, v);
                    case "--loss-scale" -> o.lossScale = number(a, v);
                    case "--state" -> o.state = Path.of(v);
                    case "--norm-type" -> o.normType = v.equalsIgnoreCase("inf") ? Double.POSITIVE_INFINITY : number(a, v);
                    case "--backend" -> o.backend = Backend.valueOf(oneOf(a, v, "auto", "java", "cpu", "cuda").toUpperCase(Locale.ROOT));
                    case "--nonfinite" -> o.nonFinite = NonFinitePolicy.valueOf(oneOf(a, v, "error", "skip", "propagate").toUpperCase(Locale.ROOT));
                    case "--rule" -> o.rule = CoefficientRule.valueOf(oneOf(a, v, "torch", "exact").toUpperCase(Locale.ROOT));
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (o.in == null || o.out == null || o.mode == null) {
                throw new IllegalArgumentException("--in, --out and --mode are required");
            }
            String needs = switch (o.mode) {
                case "value" -> o.clipValue == null || o.maxNorm != null ? "--clip-value (and no --max-norm)" : null;
                case "agc" -> o.clipFactor == null || o.params == null ? "--clip-factor and --params" : null;
                case "per-sample-flat", "per-sample-layer" -> o.maxNorm == null || o.batch < 1
                        ? "--max-norm and --batch (>= 1)" : o.mean && o.divisor != null ? "--divisor or --mean, not both" : null;
                case "autoclip", "zclip" -> o.maxNorm != null || o.clipValue != null ? "no --max-norm or --clip-value (the"
                        + " threshold comes from the norm history)" : null;
                default -> o.maxNorm == null || o.clipValue != null ? "--max-norm (and no --clip-value)" : null;
            };
            if (needs != null) {
                throw new IllegalArgumentException("--mode " + o.mode + " takes " + needs);
            }
            if (o.rule == null) {
                o.rule = o.mode.equals("block-rms") ? CoefficientRule.EXACT : CoefficientRule.TORCH; // Optax's, PyTorch's
            }
            if (o.in.toAbsolutePath().normalize().equals(o.out.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--out must differ from --in");
            }
            return o;
        }

        ClipPolicy policy() {
            return switch (mode) {
                case "global" -> new ClipPolicy.GlobalNorm(maxNorm, normType, rule, nonFinite);
                case "per-tensor" -> new ClipPolicy.PerTensorNorm(maxNorm, normType, rule, nonFinite);
                case "block-rms" -> new ClipPolicy.BlockRms(maxNorm, rule, nonFinite);
                case "agc" -> new ClipPolicy.Adaptive(clipFactor, eps, nonFinite);
                default -> new ClipPolicy.Value(clipValue, nonFinite);
            };
        }

        PerSampleClip perSamplePolicy() {
            PerSampleClip.Scope scope = mode.equals("per-sample-flat") ? PerSampleClip.Scope.FLAT : PerSampleClip.Scope.PER_LAYER;
            double d = mean ? batch : divisor == null ? 1.0 : divisor;
            return new PerSampleClip(maxNorm, scope, rule, noise, d, nonFinite);
        }

        private static String oneOf(String option, String v, String... allowed) {
            for (String s : allowed) {
                if (s.equalsIgnoreCase(v)) {
                    return s;
                }
            }
            throw new IllegalArgumentException(option + " must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
        }

        private static long integer(String option, String v) {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs an integer, got '" + v + "'");
            }
        }

        private static double number(String option, String v) {
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a number, got '" + v + "'");
            }
        }
    }
}
