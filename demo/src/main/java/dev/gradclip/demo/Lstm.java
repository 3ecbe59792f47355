package dev.gradclip.demo;

import dev.gradclip.Tensor;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A one-layer character-level LSTM language model, forward and backward (backpropagation through time).
 *
 * <p>At each position t of a window, with x_t the id of the current character (one-hot, so
 * {@code W_ih · x_t} is column x_t of {@code W_ih}) and h, c the hidden and cell state (zero at the
 * start of the window):
 * <pre>
 *   z   = W_ih[:, x_t] + W_hh · h_{t-1} + b         4H pre-activations, rows in gate order i, f, g, o
 *   i = σ(z_i)   f = σ(z_f)   g = tanh(z_g)   o = σ(z_o)
 *   c_t = f ⊙ c_{t-1} + i ⊙ g
 *   h_t = o ⊙ tanh(c_t)
 *   p_t = softmax(W_out · h_t + b_out)            a distribution over the next character
 *   loss = mean over t of −log p_t[target_t]      in nats per character
 * </pre>
 * The backward pass walks the window from its end to its start, carrying dL/dh and dL/dc back in
 * time. That chain of products through {@code W_hh} and the gates is where gradients explode.
 *
 * <p>Layouts follow PyTorch's {@code nn.LSTM} + {@code nn.Linear} (weights row-major, out × in; one
 * LSTM bias where PyTorch keeps two that are always added), so the tensor names and shapes gradclip
 * reports read familiarly. Activations are fp32 like the
 * weights; the loss is summed in fp64. Transcendentals use {@link StrictMath}, whose results are
 * specified to the bit, so a seed gives the same run on every JVM and CPU.
 *
 * <p>Not thread-safe: the workspace arrays are reused by every call.
 */
final class Lstm {
    private final int vocab;
    private final int hidden;
    private final Parameter weightIh; // 4H × V
    private final Parameter weightHh; // 4H × H
    private final Parameter bias; // 4H
    private final Parameter weightOut; // V × H
    private final Parameter biasOut; // V
    private final List<Parameter> parameters;

    // Forward activations kept for the backward pass, sized for the longest window seen so far.
    private int capacity;
    private float[] h; // (T + 1) × H, row 0 is the zero initial state
    private float[] c; // (T + 1) × H
    private float[] gates; // T × 4H, after their nonlinearity: i, f, g, o
    private float[] tanhC; // T × H
    private float[] probs; // T × V
    // Backward scratch, one position's worth.
    private final float[] dh;
    private final float[] dhNext;
    private final float[] dcNext;
    private final float[] dz;
    private final float[] dLogits;

    /**
     * An all-zero model over {@code vocab} characters with {@code hidden} units; gradients are
     * allocated in {@code arena}. Call {@link #initialize} or {@link #copyWeightsFrom} next.
     */
    Lstm(int vocab, int hidden, Arena arena) {
        if (vocab < 2 || hidden < 1) {
            throw new IllegalArgumentException("need vocab >= 2 and hidden >= 1, got " + vocab + ", " + hidden);
        }
        this.vocab = vocab;
        this.hidden = hidden;
        int g = 4 * hidden;
        weightIh = new Parameter("lstm.weight_ih", arena, g, vocab);
        weightHh = new Parameter("lstm.weight_hh", arena, g, hidden);
        bias = new Parameter("lstm.bias", arena, g);
        weightOut = new Parameter("head.weight", arena, vocab, hidden);
        biasOut = new Parameter("head.bias", arena, vocab);
        parameters = List.of(weightIh, weightHh, bias, weightOut, biasOut);
        dh = new float[hidden];
        dhNext = new float[hidden];
        dcNext = new float[hidden];
        dz = new float[g];
        dLogits = new float[vocab];
    }

    /**
     * Draws the weights as PyTorch does for {@code nn.LSTM}: uniform in ±1/√H; biases zero except the
     * forget gate's, which start at 1 so the cell remembers by default early in training.
     */
    void initialize(SplittableRandom random) {
        float bound = (float) (1.0 / Math.sqrt(hidden));
        for (Parameter p : List.of(weightIh, weightHh, weightOut)) {
            float[] w = p.value();
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) ((2 * random.nextDouble() - 1) * bound);
            }
        }
        Arrays.fill(bias.value(), 0f);
        Arrays.fill(bias.value(), hidden, 2 * hidden, 1f);
        Arrays.fill(biasOut.value(), 0f);
    }

    /** Copies every weight of a model of the same size: each run starts from the same point. */
    void copyWeightsFrom(Lstm other) {
        for (int i = 0; i < parameters.size(); i++) {
            parameters.get(i).copyValueFrom(other.parameters.get(i));
        }
    }

    /** {@return the parameters, in a fixed order (the order of gradclip's per-tensor norms)} */
    List<Parameter> parameters() {
        return parameters;
    }

    /** {@return the gradients as gradclip tensors over the parameters' own memory} */
    List<Tensor> gradientTensors() {
        return parameters.stream().map(Parameter::gradientTensor).toList();
    }

    /** {@return the vocabulary size} */
    int vocab() {
        return vocab;
    }

    /** {@return the number of hidden units} */
    int hidden() {
        return hidden;
    }

    /**
     * {@return the mean cross-entropy (nats per character) of predicting {@code target[t]} after
     * {@code input[0..t]}} Forward pass only; the gradients are left as they are.
     */
    double loss(int[] input, int[] target) {
        return forward(input, target);
    }

    /**
     * Runs the forward and backward pass over one window and overwrites every parameter's gradient
     * with d(loss)/d(parameter).
     *
     * @return the mean cross-entropy, as {@link #loss}
     */
    double lossAndGradients(int[] input, int[] target) {
        double loss = forward(input, target);
        backward(input, target);
        return loss;
    }

    private double forward(int[] input, int[] target) {
        int steps = input.length;
        if (target.length != steps || steps == 0) {
            throw new IllegalArgumentException("input and target need the same non-zero length");
        }
        ensureCapacity(steps);
        int hd = hidden;
        int g4 = 4 * hd;
        float[] wih = weightIh.value();
        float[] whh = weightHh.value();
        float[] b = bias.value();
        float[] wout = weightOut.value();
        float[] bout = biasOut.value();
        Arrays.fill(h, 0, hd, 0f);
        Arrays.fill(c, 0, hd, 0f);
        double lossSum = 0;
        for (int t = 0; t < steps; t++) {
            int x = input[t];
            int prev = t * hd; // h_{t-1}, c_{t-1}
            int next = prev + hd; // h_t, c_t
            int z = t * g4;
            for (int k = 0; k < g4; k++) {
                gates[z + k] = b[k] + wih[k * vocab + x] + Kernels.dot(whh, k * hd, h, prev, hd);
            }
            for (int j = 0; j < hd; j++) {
                float in = sigmoid(gates[z + j]);
                float forget = sigmoid(gates[z + hd + j]);
                float cand = tanh(gates[z + 2 * hd + j]);
                float out = sigmoid(gates[z + 3 * hd + j]);
                gates[z + j] = in;
                gates[z + hd + j] = forget;
                gates[z + 2 * hd + j] = cand;
                gates[z + 3 * hd + j] = out;
                float cell = forget * c[prev + j] + in * cand;
                float tc = tanh(cell);
                c[next + j] = cell;
                tanhC[t * hd + j] = tc;
                h[next + j] = out * tc;
            }
            lossSum += softmax(t, next, wout, bout, target[t]);
        }
        return lossSum / steps;
    }

    /** Fills row t of {@code probs} with softmax(W_out · h_t + b_out); {@return −log p[target]}. */
    private double softmax(int t, int hOff, float[] wout, float[] bout, int target) {
        int p = t * vocab;
        float max = Float.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            float logit = bout[v] + Kernels.dot(wout, v * hidden, h, hOff, hidden);
            probs[p + v] = logit;
            max = Math.max(max, logit);
        }
        // Shifting by the largest logit keeps exp() in range; log-sum-exp in fp64 keeps the loss exact.
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
            sum += StrictMath.exp((double) probs[p + v] - max);
        }
        double logSum = max + StrictMath.log(sum);
        double loss = logSum - probs[p + target];
        for (int v = 0; v < vocab; v++) {
            probs[p + v] = (float) StrictMath.exp(probs[p + v] - logSum);
        }
        return loss;
    }

    private void backward(int[] input, int[] target) {
        int steps = input.length;
        int hd = hidden;
        int g4 = 4 * hd;
        float[] whh = weightHh.value();
        float[] wout = weightOut.value();
        for (Parameter p : parameters) {
            p.zeroGradient();
        }
        Arrays.fill(dhNext, 0f);
        Arrays.fill(dcNext, 0f);
        float scale = 1f / steps; // the loss is a mean over positions
        for (int t = steps - 1; t >= 0; t--) {
            int prev = t * hd;
            int next = prev + hd;
            int z = t * g4;
            // Output layer: d(loss)/d(logits) = (p − onehot(target)) / T.
            for (int v = 0; v < vocab; v++) {
                dLogits[v] = probs[t * vocab + v] * scale;
            }
            dLogits[target[t]] -= scale;
            System.arraycopy(dhNext, 0, dh, 0, hd); // dh_t = what flows back from t+1 ...
            for (int v = 0; v < vocab; v++) {
                float d = dLogits[v];
                biasOut.addGradient(v, d);
                Kernels.axpy(d, h, next, weightOut.gradient(), (long) v * hd, hd); // dW_out += dlogits ⊗ h_t
                Kernels.axpy(d, wout, v * hd, dh, 0, hd); // ... + W_outᵀ · dlogits
            }
            // Through h_t = o ⊙ tanh(c_t) and c_t = f ⊙ c_{t-1} + i ⊙ g, then through the gate nonlinearities.
            for (int j = 0; j < hd; j++) {
                float in = gates[z + j];
                float forget = gates[z + hd + j];
                float cand = gates[z + 2 * hd + j];
                float out = gates[z + 3 * hd + j];
                float tc = tanhC[t * hd + j];
                float dOut = dh[j] * tc;
                float dCell = dh[j] * out * (1 - tc * tc) + dcNext[j];
                dcNext[j] = dCell * forget; // dc_{t-1}
                dz[j] = dCell * cand * in * (1 - in);
                dz[hd + j] = dCell * c[prev + j] * forget * (1 - forget);
                dz[2 * hd + j] = dCell * in * (1 - cand * cand);
                dz[3 * hd + j] = dOut * out * (1 - out);
            }
            // Into the weights of z = W_ih[:, x] + W_hh · h_{t-1} + b, and back to h_{t-1}.
            int x = input[t];
            Arrays.fill(dhNext, 0f);
            for (int k = 0; k < g4; k++) {
                float d = dz[k];
                bias.addGradient(k, d);
                weightIh.addGradient(k * vocab + x, d);
                Kernels.axpy(d, h, prev, weightHh.gradient(), (long) k * hd, hd); // dW_hh += dz ⊗ h_{t-1}
                Kernels.axpy(d, whh, k * hd, dhNext, 0, hd); // dh_{t-1} = W_hhᵀ · dz
            }
        }
    }

    private void ensureCapacity(int steps) {
        if (steps <= capacity) {
            return;
        }
        capacity = steps;
        h = new float[(steps + 1) * hidden];
        c = new float[(steps + 1) * hidden];
        gates = new float[steps * 4 * hidden];
        tanhC = new float[steps * hidden];
        probs = new float[steps * vocab];
    }

    private static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + StrictMath.exp(-x)));
    }

    private static float tanh(float x) {
        return (float) StrictMath.tanh(x);
    }
}
