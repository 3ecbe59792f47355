package dev.gradclip.cli;

import dev.gradclip.Backend;
import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import dev.gradclip.NonFiniteGradientException;
import dev.gradclip.NonFinitePolicy;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code gradclip clip}: clips the gradients of a safetensors file into a new one and prints one JSON
 * object describing what it did. Exit status 0 on success, 1 for a bad file or a non-finite error,
 * 2 for bad arguments; no output file is written unless the clip succeeded.
 */
final class ClipCommand {
    static final String USAGE = """
            usage: gradclip clip --in IN.safetensors --out OUT.safetensors --mode global|per-tensor|value
                                 (--max-norm C | --clip-value V) [--norm-type 2|1|inf|P]
                                 [--backend auto|java|cpu|cuda] [--nonfinite error|skip|propagate]
                                 [--rule torch|exact]
            Reads F32/F64/BF16/F16 tensors, clips them, writes the same names, shapes and dtypes, and
            prints {"backend", "mode", "total_norm", "coefficient", "clipped", "clipped_count",
            "nonfinite", "tensors": [{"name", "norm"}...]} on stdout. Non-finite numbers print as the
            strings "NaN", "Infinity", "-Infinity". With --mode value the norms are measured before clipping.""";

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
            try (GradClip clip = GradClip.open(o.backend); GradientSet set = clip.register(file.tensors())) {
                ClipPolicy policy = o.policy();
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
                out.println(json(clip.backend(), o, totalNorm, r, file, norms));
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
        }
    }

    private static String json(Backend backend, Options o, double totalNorm, ClipResult r, SafetensorsFile file,
            double[] norms) {
        StringBuilder sb = new StringBuilder("{");
        sb.append("\"backend\":").append(Json.quote(backend.name().toLowerCase(Locale.ROOT)));
        sb.append(",\"mode\":").append(Json.quote(o.mode));
        sb.append(",\"norm_type\":").append(Json.number(o.normType));
        sb.append(",\"total_norm\":").append(Json.number(totalNorm));
        sb.append(",\"coefficient\":").append(Json.number(r.coefficient()));
        sb.append(",\"clipped\":").append(r.clipped());
        sb.append(",\"clipped_count\":").append(r.clippedCount());
        sb.append(",\"nonfinite\":").append(r.nonFinite());
        sb.append(",\"tensors\":[");
        for (int i = 0; i < norms.length; i++) {
            SafetensorsFile.Entry e = file.entries().get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(Json.quote(e.name()))
                    .append(",\"dtype\":").append(Json.quote(e.dtype().safetensorsName()))
                    .append(",\"norm\":").append(Json.number(norms[i])).append('}');
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
        double normType = 2.0;
        Backend backend = Backend.AUTO;
        NonFinitePolicy nonFinite = NonFinitePolicy.PROPAGATE;
        dev.gradclip.CoefficientRule rule = dev.gradclip.CoefficientRule.TORCH;

        static Options parse(List<String> args) {
            Options o = new Options();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(a.startsWith("--") ? a + " needs a value" : "unexpected '" + a + "'");
                }
                String v = args.get(++i);
                switch (a) {
                    case "--in" -> o.in = Path.of(v);
                    case "--out" -> o.out = Path.of(v);
                    case "--mode" -> o.mode = oneOf(a, v, "global", "per-tensor", "value");
                    case "--max-norm" -> o.maxNorm = number(a, v);
                    case "--clip-value" -> o.clipValue = number(a, v);
                    case "--norm-type" -> o.normType = v.equalsIgnoreCase("inf") ? Double.POSITIVE_INFINITY : number(a, v);
                    case "--backend" -> o.backend = Backend.valueOf(oneOf(a, v, "auto", "java", "cpu", "cuda").toUpperCase(Locale.ROOT));
                    case "--nonfinite" -> o.nonFinite = NonFinitePolicy.valueOf(oneOf(a, v, "error", "skip", "propagate").toUpperCase(Locale.ROOT));
                    case "--rule" -> o.rule = dev.gradclip.CoefficientRule.valueOf(oneOf(a, v, "torch", "exact").toUpperCase(Locale.ROOT));
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (o.in == null || o.out == null || o.mode == null) {
                throw new IllegalArgumentException("--in, --out and --mode are required");
            }
            boolean value = o.mode.equals("value");
            if (value ? o.clipValue == null || o.maxNorm != null : o.maxNorm == null || o.clipValue != null) {
                throw new IllegalArgumentException(value ? "--mode value takes --clip-value (and no --max-norm)"
                        : "--mode " + o.mode + " takes --max-norm (and no --clip-value)");
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
                default -> new ClipPolicy.Value(clipValue, nonFinite);
            };
        }

        private static String oneOf(String option, String v, String... allowed) {
            for (String s : allowed) {
                if (s.equalsIgnoreCase(v)) {
                    return s;
                }
            }
            throw new IllegalArgumentException(option + " must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
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
