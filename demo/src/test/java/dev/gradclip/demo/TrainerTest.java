package dev.gradclip.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gradclip.Backend;
import dev.gradclip.GradClip;
import java.lang.foreign.Arena;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo's claim on a small scale (about a second per run): at learning rate 20 plain SGD blows
 * up without clipping and trains with it, from the same seed.
 */
class TrainerTest {
    static final int STEPS = 120;
    static final int SEQ_LEN = 32;
    static final int HIDDEN = 64;
    static final double LR = 20;
    static final double MAX_NORM = 0.25;
    static final double CLIP_VALUE = 0.005;
    static final int FINAL_WINDOW = 20;

    static Corpus corpus;
    static GradClip clip;

    @BeforeAll
    static void open() {
        corpus = Corpus.load();
        clip = GradClip.open(Backend.JAVA); // the reference backend: the same numbers on every machine
    }

    @AfterAll
    static void close() {
        clip.close();
    }

    static RunHistory train(ClipMode mode, long seed, GradClip with) {
        try (Arena arena = Arena.ofConfined()) {
            Lstm initial = Trainer.initialModel(corpus.vocabulary().size(), HIDDEN, seed, arena);
            Trainer trainer = new Trainer(corpus, new Trainer.Settings(STEPS, SEQ_LEN, LR, MAX_NORM, CLIP_VALUE, seed), with);
            return trainer.train(initial, mode, null);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void highLearningRateDivergesUnclippedAndTrainsWithGlobalNormClipping(long seed) {
        RunHistory none = train(ClipMode.NONE, seed, clip);
        RunHistory global = train(ClipMode.GLOBAL_NORM, seed, clip);
        double uniform = none.uniformLoss();

        assertTrue(none.diverged(FINAL_WINDOW), "unclipped final loss " + none.finalLoss(FINAL_WINDOW));
        assertTrue(none.finalLoss(FINAL_WINDOW) > 4 * uniform || none.nonFiniteStep() >= 0,
                "unclipped should blow up well past the uniform guess, final loss " + none.finalLoss(FINAL_WINDOW));

        assertFalse(global.diverged(FINAL_WINDOW), "clipped final loss " + global.finalLoss(FINAL_WINDOW));
        assertEquals(STEPS, global.steps());
        for (int i = 0; i < global.steps(); i++) {
            assertTrue(Double.isFinite(global.loss(i)) && Double.isFinite(global.gradNorm(i)), "step " + i);
        }
        assertTrue(global.finalLoss(FINAL_WINDOW) < uniform - 0.5,
                "clipped run should learn: final loss " + global.finalLoss(FINAL_WINDOW) + " vs uniform " + uniform);
    }

    @ParameterizedTest
    @EnumSource(value = ClipMode.class, names = {"PER_TENSOR_NORM", "VALUE"})
    void theOtherClipsTrainToo(ClipMode mode) {
        RunHistory run = train(mode, 1, clip);
        assertEquals(STEPS, run.steps());
        assertFalse(run.diverged(FINAL_WINDOW), mode + " final loss " + run.finalLoss(FINAL_WINDOW));
        assertTrue(run.clipRate() > 0, mode + " never clipped");
    }

    @Test
    void globalClipHappensExactlyWhenTheNormExceedsTheThreshold() {
        RunHistory run = train(ClipMode.GLOBAL_NORM, 1, clip);
        for (int i = 0; i < run.steps(); i++) {
            // PyTorch's rule: coefficient max_norm / (norm + 1e-6), applied when below 1.
            boolean expected = MAX_NORM / (run.gradNorm(i) + 1e-6) < 1;
            assertEquals(expected, run.clipped(i), "step " + i + ", norm " + run.gradNorm(i));
        }
        long clipped = IntStream.range(0, run.steps()).filter(run::clipped).count();
        assertEquals((double) clipped / run.steps(), run.clipRate(), 0);
    }

    @Test
    void unclippedRunNeverReportsClipping() {
        RunHistory run = train(ClipMode.NONE, 1, clip);
        assertEquals(0.0, run.clipRate());
    }

    @Test
    void sameSeedGivesTheSameRunAndAnotherSeedAnotherOne() {
        RunHistory a = train(ClipMode.GLOBAL_NORM, 7, clip);
        RunHistory b = train(ClipMode.GLOBAL_NORM, 7, clip);
        RunHistory c = train(ClipMode.GLOBAL_NORM, 8, clip);
        assertArrayEquals(losses(a), losses(b), 0.0);
        assertArrayEquals(norms(a), norms(b), 0.0);
        assertNotEquals(losses(a)[STEPS - 1], losses(c)[STEPS - 1]);
    }

    @Test
    void defaultBackendTrainsAsWell() {
        // auto: the native cpu backend where it loads; its norms may differ from java's in the last bits.
        try (GradClip auto = GradClip.open(Backend.AUTO)) {
            RunHistory run = train(ClipMode.GLOBAL_NORM, 1, auto);
            assertFalse(run.diverged(FINAL_WINDOW), auto.description() + ": final loss " + run.finalLoss(FINAL_WINDOW));
        }
    }

    static double[] losses(RunHistory run) {
        return IntStream.range(0, run.steps()).mapToDouble(run::loss).toArray();
    }

    static double[] norms(RunHistory run) {
        return IntStream.range(0, run.steps()).mapToDouble(run::gradNorm).toArray();
    }
}
