package dev.gradclip.bench.peers;

import dev.gradclip.DType;
import dev.gradclip.bench.BenchOptions;
import dev.gradclip.bench.CaseRunner;
import dev.gradclip.bench.Mode;
import dev.gradclip.bench.ShapeSet;
import dev.gradclip.bench.Stats;
import dev.gradclip.bench.TensorShape;
import dev.gradclip.bench.ThresholdSchedule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.json.JSONArray;
import org.json.JSONObject;

/**
 * PyTorch's own clipping ({@code clip_grad_norm_}, {@code clip_grad_value_}) in a Python subprocess
 * running {@code torch_peer.py}: same shapes, dtype, modes, warm-up, repetitions and threshold
 * schedule; its own data (see the script). Used where a Python with {@code import torch} is found.
 */
public final class PythonTorchPeer {
    /** What to run to make this peer available. */
    public static final String INSTALL = "apt-get install -y python3-torch (Debian), or pass --python EXE for a Python with torch";

    private static final String SCRIPT = "torch_peer.py";
    /** A peer that hangs must not hang the benchmark. */
    private static final long TIMEOUT_MINUTES = 20;

    private final String python;
    private final String torchVersion;

    private PythonTorchPeer(String python, String torchVersion) {
        this.python = python;
        this.torchVersion = torchVersion;
    }

    /**
     * One mode's timings from the subprocess.
     *
     * @param mode the mode
     * @param stats the timed runs
     * @param check "ok" or what its first run got wrong
     */
    public record Case(Mode mode, Stats stats, String check) {}

    /**
     * One set's results.
     *
     * @param cases per mode
     * @param note torch version, threads and which API ran
     */
    public record Run(List<Case> cases, String note) {}

    /**
     * {@return the peer on {@code requested}, or on the first of python3 and /usr/bin/python3 that
     * imports torch}
     *
     * @throws PeerUnavailableException saying what each candidate answered, and how to install torch
     */
    public static PythonTorchPeer find(String requested) {
        List<String> candidates = requested != null ? List.of(requested) : List.of("python3", "/usr/bin/python3");
        List<String> answers = new ArrayList<>();
        for (String exe : candidates) {
            try {
                Process p = new ProcessBuilder(exe, "-c", "import torch; print(torch.__version__)")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                if (!p.waitFor(2, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    answers.add(exe + ": no answer");
                } else if (p.exitValue() == 0) {
                    return new PythonTorchPeer(exe, out.lines().reduce((a, b) -> b).orElse("?"));
                } else {
                    answers.add(exe + ": " + out.lines().reduce((a, b) -> b).orElse("exit " + p.exitValue()));
                }
            } catch (IOException e) {
                answers.add(exe + ": not found");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PeerUnavailableException("interrupted");
            }
        }
        throw new PeerUnavailableException("no Python with torch (" + String.join("; ", answers) + "); install: " + INSTALL);
    }

    /** {@return whether torch_peer.py runs {@code mode}: torch has built-in clips for the common modes only} */
    public static boolean supports(Mode mode) {
        return Peer.COMMON_MODES.contains(mode);
    }

    /** {@return e.g. "torch 1.13.0 in /usr/bin/python3"} */
    public String description() {
        return "torch " + torchVersion + " in " + python + ", subprocess, its own data of the same shapes";
    }

    /**
     * {@return the subprocess's timings of {@code modes} on a set of {@code shapes} in {@code dtype}}
     *
     * @param threads torch's intra-op threads
     * @throws IllegalStateException if the subprocess fails, with its error output
     */
    public Run run(ShapeSet shapes, DType dtype, List<Mode> modes, CaseRunner settings, int threads) throws IOException {
        Path dir = Files.createTempDirectory("gradclip-bench-torch");
        try {
            Path script = dir.resolve(SCRIPT);
            try (InputStream in = PythonTorchPeer.class.getResourceAsStream(SCRIPT)) {
                if (in == null) {
                    throw new IllegalStateException(SCRIPT + " is missing from the bench jar");
                }
                Files.copy(in, script);
            }
            Path shapeFile = dir.resolve("shapes.txt");
            List<String> lines = new ArrayList<>();
            for (TensorShape t : shapes.tensors()) {
                lines.add(t.toString());
            }
            Files.write(shapeFile, lines);
            List<String> modeNames = new ArrayList<>();
            for (Mode m : modes) {
                modeNames.add(m.cliName());
            }
            Path output = dir.resolve("stdout.json");
            Path errors = dir.resolve("stderr.txt");
            Process p = new ProcessBuilder(python, script.toString(), "--shapes", shapeFile.toString(),
                    "--dtype", BenchOptions.dtypeName(dtype), "--modes", String.join(",", modeNames),
                    "--warmup", String.valueOf(settings.warmup()), "--reps", String.valueOf(settings.reps()),
                    "--min-reps", String.valueOf(BenchOptions.MIN_REPS), "--max-seconds", String.valueOf(settings.maxSeconds()),
                    "--threads", String.valueOf(threads), "--decay", String.valueOf(ThresholdSchedule.DECAY),
                    "--first-fraction", String.valueOf(ThresholdSchedule.FIRST_FRACTION),
                    "--first-clip-value", String.valueOf(ThresholdSchedule.FIRST_CLIP_VALUE),
                    "--value-decay", String.valueOf(ThresholdSchedule.VALUE_DECAY),
                    "--tolerance", String.valueOf(PeerTolerance.of(dtype)))
                    .redirectOutput(output.toFile()).redirectError(errors.toFile()).start();
            boolean done = p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
            if (!done || p.exitValue() != 0) {
                p.destroyForcibly();
                String err = Files.readString(errors).strip();
                throw new IllegalStateException("the pytorch peer " + (done ? "failed (exit " + p.exitValue() + ")" : "timed out")
                        + ": " + err.lines().reduce((a, b) -> b).orElse("(no error output)"));
            }
            return parse(Files.readString(output), modes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the pytorch peer ran", e);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** {@return the script's JSON output read as per-mode cases} */
    static Run parse(String json, List<Mode> modes) {
        JSONObject root = new JSONObject(json.strip());
        List<Case> cases = new ArrayList<>();
        JSONArray array = root.getJSONArray("cases");
        for (int i = 0; i < array.length(); i++) {
            JSONObject c = array.getJSONObject(i);
            JSONArray ms = c.getJSONArray("ms");
            long[] nanos = new long[ms.length()];
            for (int j = 0; j < nanos.length; j++) {
                nanos[j] = Math.round(ms.getDouble(j) * 1e6);
            }
            Mode mode = Mode.fromCliName(c.getString("mode"));
            if (!modes.contains(mode)) {
                throw new IllegalStateException("the pytorch peer answered for a mode not asked: " + mode.cliName());
            }
            cases.add(new Case(mode, Stats.ofNanos(nanos, nanos.length), c.getString("check")));
        }
        String note = String.format(Locale.ROOT, "torch %s, %d threads, %s", root.getString("torch"), root.getInt("threads"),
                root.getString("how"));
        return new Run(cases, note);
    }
}
