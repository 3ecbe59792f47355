package dev.gradclip.demo;

import dev.gradclip.Backend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The parsed command line of {@code ./gradclip demo} (see {@link #USAGE}).
 *
 * @param backend where gradclip clips
 * @param steps optimizer steps per run
 * @param seed seeds the initial weights and the order of the text windows
 * @param learningRate SGD's step size
 * @param hidden LSTM hidden units
 * @param seqLen characters per window (backpropagation-through-time depth)
 * @param maxNorm threshold of the global and per-tensor norm clips
 * @param clipValue threshold of the value clip
 * @param runs the runs, in order
 * @param plot where the PNG goes
 * @param csv where the CSV goes
 * @param help true when usage was asked for
 */
record DemoOptions(Backend backend, int steps, long seed, double learningRate, int hidden, int seqLen,
        double maxNorm, double clipValue, List<ClipMode> runs, Path plot, Path csv, boolean help) {

    static final String USAGE = """
            usage: ./gradclip demo [options]
              Trains a character-level LSTM on The Devil's Dictionary (Ambrose Bierce, 1911) with plain SGD at a
              learning rate where training without clipping blows up, then again with each gradclip policy, all
              from the same seed and initial weights. Prints a verdict table, writes a PNG and a CSV of the curves.

              --backend B       auto, java, cpu or cuda: where gradclip clips (default auto: cpu if it loads)
              --steps N         SGD steps per run (default 1000)
              --seed S          initial weights and text order (default 1); the same seed gives the same output
              --lr X            learning rate (default 20: high enough that the unclipped run diverges)
              --hidden N        LSTM hidden units (default 128)
              --seq-len N       characters per training window (default 64)
              --max-norm X      threshold of the global and per-tensor norm clips (default 0.25)
              --clip-value X    threshold of the value clip (default 0.005)
              --runs LIST       none,global-norm,per-tensor-norm,value (default: all four, in that order)
              --plot FILE       the PNG (default demo-out/demo.png)
              --csv FILE        the curves as CSV: run,step,loss,grad_norm,clipped (default demo-out/demo.csv)
              -h, --help        this text
            """;

    /**
     * {@return the options {@code args} give}
     *
     * @throws IllegalArgumentException naming the first bad or unknown argument
     */
    static DemoOptions parse(List<String> args) {
        Backend backend = Backend.AUTO;
        int steps = 1000;
        long seed = 1;
        double lr = 20;
        int hidden = 128;
        int seqLen = 64;
        double maxNorm = 0.25;
        double clipValue = 0.005;
        List<ClipMode> runs = List.of(ClipMode.values());
        Path plot = Path.of("demo-out", "demo.png");
        Path csv = Path.of("demo-out", "demo.csv");
        boolean help = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String flag = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flag = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            if (flag.equals("-h") || flag.equals("--help")) {
                help = true;
                continue;
            }
            if (!flag.startsWith("--")) {
                throw new IllegalArgumentException("unknown argument '" + arg + "' (see --help)");
            }
            String value;
            if (inline != null) {
                value = inline;
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            switch (flag) {
                case "--backend" -> backend = backend(value);
                case "--steps" -> steps = integer(flag, value, 1);
                case "--seed" -> seed = longValue(flag, value);
                case "--lr" -> lr = positive(flag, value);
                case "--hidden" -> hidden = integer(flag, value, 1);
                case "--seq-len" -> seqLen = integer(flag, value, 1);
                case "--max-norm" -> maxNorm = positive(flag, value);
                case "--clip-value" -> clipValue = positive(flag, value);
                case "--runs" -> runs = runs(value);
                case "--plot" -> plot = Path.of(value);
                case "--csv" -> csv = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option '" + arg + "' (see --help)");
            }
        }
        return new DemoOptions(backend, steps, seed, lr, hidden, seqLen, maxNorm, clipValue, runs, plot, csv, help);
    }

    /** {@return the training settings these options give} */
    Trainer.Settings settings() {
        return new Trainer.Settings(steps, seqLen, learningRate, maxNorm, clipValue, seed);
    }

    private static Backend backend(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "auto" -> Backend.AUTO;
            case "java" -> Backend.JAVA;
            case "cpu" -> Backend.CPU;
            case "cuda" -> Backend.CUDA;
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (backends: auto,java,cpu,cuda)");
        };
    }

    private static List<ClipMode> runs(String value) {
        Set<ClipMode> out = new LinkedHashSet<>();
        for (String part : value.split(",")) {
            String key = part.strip().toLowerCase(Locale.ROOT);
            if (key.isEmpty()) {
                continue;
            }
            ClipMode mode = null;
            for (ClipMode m : ClipMode.values()) {
                if (m.key().equals(key)) {
                    mode = m;
                }
            }
            if (mode == null) {
                throw new IllegalArgumentException("unknown run '" + part.strip() + "' (runs: none,global-norm,per-tensor-norm,value)");
            }
            out.add(mode);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--runs needs at least one run");
        }
        return new ArrayList<>(out);
    }

    private static int integer(String flag, String value, int min) {
        int v;
        try {
            v = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs an integer, got '" + value + "'");
        }
        if (v < min) {
            throw new IllegalArgumentException(flag + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    private static long longValue(String flag, String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs an integer, got '" + value + "'");
        }
    }

    private static double positive(String flag, String value) {
        double v;
        try {
            v = Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'");
        }
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(flag + " must be > 0 and finite, got " + value);
        }
        return v;
    }
}
