package dev.gradclip.bench;

import dev.gradclip.Backend;
import dev.gradclip.DType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The parsed command line of {@code ./gradclip bench} (see {@link #USAGE}).
 *
 * @param backends backends to run, in order
 * @param sets built-in set names to run, in order (the shapes file's set comes after them)
 * @param shapesFile a user's set ({@link ShapeFile}), or null
 * @param modes modes to run, in order
 * @param dtypes storage dtypes to run, in order
 * @param peers peers to measure, in order (empty: none)
 * @param warmup untimed runs before the timed ones, per case
 * @param reps timed runs per case, at most
 * @param maxSeconds time after which a case stops adding repetitions (it keeps at least {@link #MIN_REPS})
 * @param threads worker threads of the cpu backend and of the host floor (0: one per core)
 * @param batch samples of the per-sample modes' inputs, before {@link Workload#fitBatch} reduces them
 * @param json where to write the JSON records, or null
 * @param csv where to write the CSV records, or null
 * @param plot where to write the PNG bar chart, or null
 * @param python the Python interpreter for the pytorch peer, or null to look for one
 * @param help true when usage was asked for
 */
public record BenchOptions(List<Backend> backends, List<String> sets, Path shapesFile, List<Mode> modes,
        List<DType> dtypes, List<String> peers, int warmup, int reps, double maxSeconds, int threads, int batch, Path json,
        Path csv, Path plot, String python, boolean help) {

    /** Peer names of {@code --peers}, in report order. */
    public static final List<String> PEER_NAMES = List.of("javaloop", "nd4j", "djl", "pytorch");

    /** The options that take a value. */
    private static final Set<String> VALUE_FLAGS = Set.of("--backend", "--set", "--shapes", "--mode", "--dtype", "--peers",
            "--warmup", "--reps", "--max-seconds", "--threads", "--batch", "--json", "--csv", "--plot", "--python");

    /** Samples of the per-sample modes' inputs unless --batch says otherwise. */
    public static final int DEFAULT_BATCH = 4;

    /** Fewest timed runs a case keeps when --max-seconds cuts it short. */
    public static final int MIN_REPS = 3;

    public static final String USAGE = """
            usage: ./gradclip bench [options]
              Times every backend and peer on each gradient set and mode against the memory floor
              (a read-only pass and a copy over the same bytes, measured in the same run).

              --backend LIST    java,cpu,cuda (default: all; one that cannot run is listed as skipped)
              --set LIST        gpt2-124m,tiny-2000x4096,flat-256m,gpt2-1.5b
                                (default: gpt2-124m,tiny-2000x4096,flat-256m)
              --shapes FILE     a set of your own: one tensor per line, 'NAME DIMS' (e.g. 'fc.weight 768x3072');
                                runs alone unless --set is given too
              --all             every built-in set, gpt2-1.5b included (6.2 GB in fp32; skipped, saying so,
                                when memory is short)
              --mode LIST       norm,global-noclip,global-clip,per-tensor,value (the default), and
                                block-rms,agc,agc-noclip,per-sample,per-sample-noise,autoclip,zclip,amp
              --dtype LIST      f32,bf16,f16,f64 (default: f32)
              --peers LIST      javaloop,nd4j,djl,pytorch or none (default: all; missing ones are listed
                                with the command that installs them)
              --warmup N        untimed runs per case (default 1; the first run is the one checked)
              --reps N          timed runs per case (default 5)
              --max-seconds S   warm-up, then timing, stop adding runs after S seconds each, keeping 1 warm-up
                                and 3 timed runs at least (default 1)
              --threads N       cpu backend and host floor threads (default 0: one per core)
              --batch N         samples of the per-sample modes' inputs (default 4; fewer where N samples
                                of the set would pass 1.2 GB, saying so)
              --json FILE       write one JSON record per measurement
              --csv FILE        the same records as CSV
              --plot FILE.png   bar chart of % of floor per backend and case
              --python EXE      Python with torch for the pytorch peer (default: python3, then /usr/bin/python3)
              -h, --help        this text
            """;

    /**
     * {@return the options {@code args} give}
     *
     * @throws IllegalArgumentException naming the first bad or unknown argument
     */
    public static BenchOptions parse(List<String> args) {
        List<Backend> backends = List.of(Backend.JAVA, Backend.CPU, Backend.CUDA);
        List<String> sets = null;
        Path shapes = null;
        boolean all = false;
        List<Mode> modes = Mode.DEFAULTS;
        List<DType> dtypes = List.of(DType.F32);
        List<String> peers = PEER_NAMES;
        int warmup = 1;
        int reps = 5;
        double maxSeconds = 1.0;
        int threads = 0;
        int batch = DEFAULT_BATCH;
        Path json = null;
        Path csv = null;
        Path plot = null;
        String python = null;
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
            if (flag.equals("--all")) {
                all = true;
                continue;
            }
            if (!VALUE_FLAGS.contains(flag)) {
                throw new IllegalArgumentException("unknown option '" + arg + "' (see --help)");
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
                case "--backend" -> backends = list(value, BenchOptions::backend);
                case "--set" -> sets = list(value, s -> {
                    BuiltinSets.byName(s);
                    return s;
                });
                case "--shapes" -> shapes = Path.of(value);
                case "--mode" -> modes = list(value, Mode::fromCliName);
                case "--dtype" -> dtypes = list(value, BenchOptions::dtype);
                case "--peers" -> peers = value.equals("none") ? List.of() : list(value, BenchOptions::peer);
                case "--warmup" -> warmup = integer(flag, value, 0);
                case "--reps" -> reps = integer(flag, value, 1);
                case "--max-seconds" -> maxSeconds = seconds(flag, value);
                case "--threads" -> threads = integer(flag, value, 0);
                case "--batch" -> batch = integer(flag, value, 1);
                case "--json" -> json = Path.of(value);
                case "--csv" -> csv = Path.of(value);
                case "--plot" -> plot = Path.of(value);
                case "--python" -> python = value;
                default -> throw new AssertionError(flag); // VALUE_FLAGS and this switch list the same flags
            }
        }
        if (all) {
            sets = BuiltinSets.names();
        } else if (sets == null) {
            sets = shapes == null ? BuiltinSets.DEFAULT_NAMES : List.of();
        }
        return new BenchOptions(backends, sets, shapes, modes, dtypes, peers, warmup, reps, maxSeconds, threads, batch, json,
                csv, plot, python, help);
    }

    /** Parses a comma-separated list, dropping repeats and keeping the order. */
    private static <T> List<T> list(String value, java.util.function.Function<String, T> item) {
        Set<T> out = new LinkedHashSet<>();
        for (String part : value.split(",")) {
            String s = part.strip();
            if (!s.isEmpty()) {
                out.add(item.apply(s));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty list '" + value + "'");
        }
        return new ArrayList<>(out);
    }

    private static Backend backend(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "java" -> Backend.JAVA;
            case "cpu" -> Backend.CPU;
            case "cuda" -> Backend.CUDA;
            default -> throw new IllegalArgumentException("unknown backend '" + name + "' (backends: java,cpu,cuda)");
        };
    }

    /** {@return the dtype of a --dtype name: f32, bf16, f16 or f64} */
    static DType dtype(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f32", "fp32", "float32" -> DType.F32;
            case "bf16", "bfloat16" -> DType.BF16;
            case "f16", "fp16", "float16" -> DType.F16;
            case "f64", "fp64", "float64" -> DType.F64;
            default -> throw new IllegalArgumentException("unknown dtype '" + name + "' (dtypes: f32,bf16,f16,f64)");
        };
    }

    /** {@return the --dtype name of a dtype: f32, bf16, f16 or f64} */
    public static String dtypeName(DType dtype) {
        return dtype.name().toLowerCase(Locale.ROOT);
    }

    private static String peer(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (!PEER_NAMES.contains(n)) {
            throw new IllegalArgumentException("unknown peer '" + name + "' (peers: " + String.join(",", PEER_NAMES) + " or none)");
        }
        return n;
    }

    private static int integer(String flag, String value, int min) {
        int v;
        try {
            v = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs an integer, got '" + value + "'");
        }
        if (v < min) {
            throw new IllegalArgumentException(flag + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    private static double seconds(String flag, String value) {
        double v;
        try {
            v = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number of seconds, got '" + value + "'");
        }
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(flag + " must be a positive number of seconds, got " + value);
        }
        return v;
    }
}
