package dev.gradclip.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks the backward pass against finite differences of the forward pass, for every element of
 * every parameter tensor of a tiny model.
 *
 * <p>The model is fp32, so the check is done with care for fp32: central differences with a step of
 * 1e-2 (a smaller step drowns in fp32 rounding of the loss, about 1e-7 relative, divided by the
 * step; a larger one in the O(step²) truncation error), the step actually taken measured after
 * rounding the perturbed weight to fp32, and the loss itself summed in fp64 by the model. An element
 * passes when |analytic − numeric| ≤ {@value #ABS_TOL} + {@value #REL_TOL}·|numeric|. The weights are
 * drawn three times larger than at initialisation so every gate works away from its linear middle.
 */
class LstmGradientCheckTest {
    static final double STEP = 1e-2;
    static final double ABS_TOL = 5e-6;
    static final double REL_TOL = 3e-3;

    record Mismatch(String tensor, int index, double analytic, double numeric) {}

    @Test
    void everyParameterGradientMatchesFiniteDifferences() {
        try (Arena arena = Arena.ofConfined()) {
            Lstm model = tinyModel(arena, 5, 3, 7);
            int[][] data = window(5, 8, 11);
            List<Mismatch> bad = check(model, data[0], data[1], 1.0);
            assertTrue(bad.isEmpty(), describe(bad));
        }
    }

    @Test
    void longerWindowBackpropagatesThroughTime() {
        // 30 positions: the gradient of W_hh at the start of the window flows back through 29 steps.
        try (Arena arena = Arena.ofConfined()) {
            Lstm model = tinyModel(arena, 4, 4, 3);
            int[][] data = window(4, 30, 5);
            List<Mismatch> bad = check(model, data[0], data[1], 1.0);
            assertTrue(bad.isEmpty(), describe(bad));
        }
    }

    @Test
    void checkCatchesAGradientThatIsTwoPercentOff() {
        // The tolerance is tight enough to matter: scaling every analytic gradient by 1.02 must fail.
        try (Arena arena = Arena.ofConfined()) {
            Lstm model = tinyModel(arena, 5, 3, 7);
            int[][] data = window(5, 8, 11);
            List<Mismatch> bad = check(model, data[0], data[1], 1.02);
            int total = model.parameters().stream().mapToInt(Parameter::size).sum();
            assertFalse(bad.isEmpty(), "a 2% error went unnoticed");
            assertTrue(bad.size() > total / 2, "only " + bad.size() + " of " + total + " elements caught a 2% error");
        }
    }

    @Test
    void gradientsAreOverwrittenNotAccumulated() {
        try (Arena arena = Arena.ofConfined()) {
            Lstm model = tinyModel(arena, 5, 3, 7);
            int[][] data = window(5, 8, 11);
            model.lossAndGradients(data[0], data[1]);
            float[] first = gradients(model);
            model.lossAndGradients(data[0], data[1]);
            float[] second = gradients(model);
            assertEquals(first.length, second.length);
            for (int i = 0; i < first.length; i++) {
                assertEquals(first[i], second[i], "element " + i);
            }
        }
    }

    /** {@return a model with weights 3× the initialisation range, biases random too} */
    static Lstm tinyModel(Arena arena, int vocab, int hidden, long seed) {
        Lstm model = new Lstm(vocab, hidden, arena);
        SplittableRandom random = new SplittableRandom(seed);
        for (Parameter p : model.parameters()) {
            float[] w = p.value();
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) ((2 * random.nextDouble() - 1) * 3 / Math.sqrt(hidden));
            }
        }
        return model;
    }

    /** {@return {input, target}: random ids, target[t] = input[t + 1] as in a text} */
    static int[][] window(int vocab, int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] text = random.ints(length + 1, 0, vocab).toArray();
        int[] input = java.util.Arrays.copyOfRange(text, 0, length);
        int[] target = java.util.Arrays.copyOfRange(text, 1, length + 1);
        return new int[][] {input, target};
    }

    /**
     * {@return the elements whose analytic gradient, multiplied by {@code analyticScale}, is off the
     * central difference by more than the tolerance}
     */
    static List<Mismatch> check(Lstm model, int[] input, int[] target, double analyticScale) {
        model.lossAndGradients(input, target);
        List<Mismatch> bad = new ArrayList<>();
        double worst = 0;
        for (Parameter p : model.parameters()) {
            float[] w = p.value();
            for (int i = 0; i < w.length; i++) {
                double analytic = p.gradient(i) * analyticScale;
                float original = w[i];
                float up = (float) (original + STEP);
                float down = (float) (original - STEP);
                w[i] = up;
                double lossUp = model.loss(input, target);
                w[i] = down;
                double lossDown = model.loss(input, target);
                w[i] = original;
                double numeric = (lossUp - lossDown) / ((double) up - down);
                double error = Math.abs(analytic - numeric);
                worst = Math.max(worst, error / (ABS_TOL + REL_TOL * Math.abs(numeric)));
                if (error > ABS_TOL + REL_TOL * Math.abs(numeric)) {
                    bad.add(new Mismatch(p.name(), i, analytic, numeric));
                }
            }
        }
        if (analyticScale == 1.0) {
            System.out.printf("gradient check: worst error %.3f of the tolerance%n", worst);
        }
        return bad;
    }

    static String describe(List<Mismatch> bad) {
        return bad.size() + " gradient elements off finite differences, the first: " + bad.subList(0, Math.min(5, bad.size()));
    }

    static float[] gradients(Lstm model) {
        int total = model.parameters().stream().mapToInt(Parameter::size).sum();
        float[] out = new float[total];
        int k = 0;
        for (Parameter p : model.parameters()) {
            for (int i = 0; i < p.size(); i++) {
                out[k++] = p.gradient(i);
            }
        }
        return out;
    }
}
