package dev.gradclip.demo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Plain stochastic gradient descent: w ← w − lr · g.
 *
 * <p>Plain SGD on purpose. Its step is proportional to the gradient, so one exploding gradient
 * throws the weights far away, which is the failure clipping exists to prevent (Pascanu, Mikolov and
 * Bengio, "On the difficulty of training recurrent neural networks", 2013). Adam divides each
 * gradient by its running magnitude and hides most of that; momentum would only blur the picture.
 */
final class Sgd {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private final float learningRate;

    /** @throws IllegalArgumentException if {@code learningRate} is not positive and finite */
    Sgd(double learningRate) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be > 0 and finite, got " + learningRate);
        }
        this.learningRate = (float) learningRate;
    }

    /** Applies one step to every parameter, reading the (possibly clipped) gradient in place. */
    void step(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            float[] w = p.value();
            MemorySegment g = p.gradient();
            for (int i = 0; i < w.length; i++) {
                w[i] -= learningRate * g.getAtIndex(F32, i);
            }
        }
    }
}
