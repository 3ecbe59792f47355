package dev.gradclip.demo;

import dev.gradclip.Backend;
import dev.gradclip.BackendUnavailableException;
import dev.gradclip.GradClip;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./gradclip demo}: trains the same character-level LSTM from the same starting weights once
 * without clipping and once with each gradclip policy, at a learning rate where the unclipped run
 * blows up; prints a verdict table and writes a PNG and a CSV of the curves. See demo/README.md.
 *
 * <p>Standard output depends only on the options (the same seed prints the same text); the time
 * taken goes to standard error.
 */
public final class DemoMain {
    private DemoMain() {}

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        Console console = System.console();
        System.exit(run(List.of(args), System.out, System.err, console != null && console.isTerminal()));
    }

    /**
     * Runs the demo.
     *
     * @param live redraw each run's progress line in place (for a terminal)
     * @return the exit status: 0 done, 1 an output could not be written, 2 bad options or backend
     */
    static int run(List<String> args, PrintStream out, PrintStream err, boolean live) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("gradclip demo: " + e.getMessage());
            return 2;
        }
        if (options.help()) {
            out.print(DemoOptions.USAGE);
            return 0;
        }
        GradClip clip;
        try {
            clip = GradClip.open(options.backend());
        } catch (BackendUnavailableException e) {
            err.println("gradclip demo: " + e.getMessage());
            return 2;
        }
        try (clip) {
            if (clip.backend() == Backend.CUDA) {
                // The model trains on the host; the cuda backend clips tensors in device memory only.
                err.println("gradclip demo: the demo's LSTM trains on the CPU, so its gradients are in host memory, "
                        + "and the cuda backend clips device memory only; run it with --backend cpu or java");
                return 2;
            }
            return train(options, clip, out, err, live);
        } catch (IOException e) {
            err.println("gradclip demo: " + e.getMessage());
            return 1;
        }
    }

    private static int train(DemoOptions options, GradClip clip, PrintStream out, PrintStream err, boolean live)
            throws IOException {
        long start = System.nanoTime();
        Corpus corpus = Corpus.load();
        int vocab = corpus.vocabulary().size();
        if (options.seqLen() >= corpus.length()) {
            err.println("gradclip demo: --seq-len must be shorter than the text (" + corpus.length() + " characters)");
            return 2;
        }
        Trainer.Settings settings = options.settings();
        int finalWindow = Math.max(1, Math.min(100, options.steps() / 10));
        String title = "Character-level LSTM on The Devil's Dictionary, trained without and with gradient clipping";
        String subtitle = String.format(Locale.ROOT, "%d hidden units; SGD, learning rate %s, %d steps of %d characters, "
                + "seed %d; max-norm %s, clip-value %s; clipped by gradclip on the %s backend", options.hidden(),
                Plot.number(options.learningRate()), options.steps(), options.seqLen(), options.seed(),
                Plot.number(options.maxNorm()), Plot.number(options.clipValue()),
                clip.backend().name().toLowerCase(Locale.ROOT));
        out.printf(Locale.ROOT, "gradclip demo: a character-level LSTM on The Devil's Dictionary (%,d characters, %d symbols)%n",
                corpus.length(), vocab);
        out.println(subtitle);

        List<RunHistory> runs = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            Lstm initial = Trainer.initialModel(vocab, options.hidden(), options.seed(), arena);
            Trainer trainer = new Trainer(corpus, settings, clip);
            List<ClipMode> modes = options.runs();
            for (int i = 0; i < modes.size(); i++) {
                ProgressLine progress = new ProgressLine(out, live, modes.get(i), i + 1, modes.size(), finalWindow);
                RunHistory run = trainer.train(initial, modes.get(i), progress);
                progress.done(run);
                runs.add(run);
            }
        }
        CsvReport.write(runs, options.csv());
        Plot.write(runs, new Plot.Labels(title, subtitle, options.maxNorm(), Math.max(1, Math.min(25, options.steps() / 40)),
                finalWindow), options.plot());
        out.println();
        out.print(VerdictTable.format(runs, finalWindow));
        out.println();
        out.println("wrote " + options.plot() + " and " + options.csv());
        StringBuilder times = new StringBuilder();
        for (RunHistory run : runs) {
            times.append(times.isEmpty() ? "" : ", ").append(run.mode().label()).append(' ')
                    .append(String.format(Locale.ROOT, "%.1f s", run.seconds()));
        }
        err.printf(Locale.ROOT, "gradclip demo: %.1f s in all (%s; %s)%n", (System.nanoTime() - start) / 1e9, times,
                clip.description());
        return 0;
    }
}
