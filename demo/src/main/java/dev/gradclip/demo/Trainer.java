package dev.gradclip.demo;

import dev.gradclip.ClipPolicy;
import dev.gradclip.ClipResult;
import dev.gradclip.GradClip;
import dev.gradclip.GradientSet;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * Trains one copy of the model with one clip mode and records its curves.
 *
 * <p>Every run sees the same windows of text in the same order (the data stream is seeded by
 * {@link Settings#seed()} alone) and starts from the same weights, so runs differ only in clipping.
 */
final class Trainer {
    /** Mixed into the seed for the data stream, so it differs from the initialisation stream. */
    private static final long DATA_STREAM = 0x9E3779B97F4A7C15L;

    /**
     * @param steps optimizer steps per run
     * @param seqLen characters per window (the depth of backpropagation through time)
     * @param learningRate SGD's step size
     * @param maxNorm threshold of the global and per-tensor norm clips
     * @param clipValue threshold of the value clip
     * @param seed seeds the initial weights and the order of the windows
     */
    record Settings(int steps, int seqLen, double learningRate, double maxNorm, double clipValue, long seed) {
        Settings {
            if (steps < 1 || seqLen < 1) {
                throw new IllegalArgumentException("steps and seq-len must be >= 1");
            }
        }
    }

    /** Called after every step; {@code history} holds the steps so far. */
    interface Listener {
        void stepDone(RunHistory history);
    }

    private final Corpus corpus;
    private final Settings settings;
    private final GradClip clip;

    Trainer(Corpus corpus, Settings settings, GradClip clip) {
        this.corpus = corpus;
        this.settings = settings;
        this.clip = clip;
    }

    /** {@return the starting weights every run copies: one draw from the seed} */
    static Lstm initialModel(int vocab, int hidden, long seed, Arena arena) {
        Lstm model = new Lstm(vocab, hidden, arena);
        model.initialize(new SplittableRandom(seed));
        return model;
    }

    /** Trains a copy of {@code initial} with {@code mode}; stops early at the first NaN or infinity. */
    RunHistory train(Lstm initial, ClipMode mode, Listener listener) {
        long start = System.nanoTime();
        RunHistory history = new RunHistory(mode, settings.steps(), Math.log(initial.vocab()));
        ClipPolicy policy = mode.policy(settings.maxNorm(), settings.clipValue());
        SplittableRandom data = new SplittableRandom(settings.seed() ^ DATA_STREAM);
        int[] input = new int[settings.seqLen()];
        int[] target = new int[settings.seqLen()];
        Sgd sgd = new Sgd(settings.learningRate());
        try (Arena arena = Arena.ofConfined()) {
            Lstm model = new Lstm(initial.vocab(), initial.hidden(), arena);
            model.copyWeightsFrom(initial);
            // Registered once: gradclip builds its chunk table here, and every step below clips the
            // gradients where the backward pass left them, allocating nothing.
            try (GradientSet grads = clip.register(model.gradientTensors())) {
                for (int step = 0; step < settings.steps(); step++) {
                    corpus.sample(data, input, target);
                    double loss = model.lossAndGradients(input, target);
                    double norm;
                    boolean clipped;
                    switch (mode) {
                        case NONE -> {
                            norm = grads.norm(ClipPolicy.L2).totalNorm();
                            clipped = false;
                        }
                        case VALUE -> {
                            // A value clip reports no norm: measure it first, for the curve.
                            norm = grads.norm(ClipPolicy.L2).totalNorm();
                            clipped = grads.clip(policy).clipped();
                        }
                        default -> {
                            ClipResult r = grads.clip(policy); // its norm is the one before clipping
                            norm = r.totalNorm();
                            clipped = r.clipped();
                        }
                    }
                    history.record(loss, norm, clipped);
                    if (listener != null) {
                        listener.stepDone(history);
                    }
                    if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
                        break; // nothing more to learn from a model full of NaN
                    }
                    sgd.step(model.parameters());
                }
            }
        }
        history.finish((System.nanoTime() - start) / 1e9);
        return history;
    }
}
