package dev.gradclip.bench.peers;

import dev.gradclip.ClipPolicy;
import dev.gradclip.DType;
import dev.gradclip.Tensor;
import dev.gradclip.Units;
import dev.gradclip.bench.AdaptiveClippers;
import dev.gradclip.bench.ClipKernel;
import dev.gradclip.bench.Elements;
import dev.gradclip.bench.Mode;
import dev.gradclip.bench.Operands;
import java.util.List;

/**
 * What a user would write without a library: one thread, one loop per tensor over the same off-heap
 * segments, the sum of squares in double, then a second loop to scale (or clamp). It is the baseline
 * every JVM user already has. It runs every mode but per-sample-noise (a Gaussian generator is more than
 * such a user writes), autoclip and zclip (their loops are global-clip's): AGC one unit at a time
 * (Units.torch's rows), per-sample as Opacus's flat clip with one loop over the samples' norms and one
 * weighted sum per tensor, amp as PyTorch's {@code GradScaler.unscale_} then {@code clip_grad_norm_}
 * (an unscaling loop, then global-clip's norm and scaling loops: three passes, two of them writing).
 */
public final class JavaLoopPeer implements Peer {
    /** Opacus's and torch's guard against a zero norm. */
    private static final double TORCH_EPS = 1e-6;

    @Override
    public String name() {
        return "javaloop";
    }

    @Override
    public String description() {
        return "plain Java loops, 1 thread, in place on the same segments";
    }

    @Override
    public boolean supports(DType dtype) {
        return true;
    }

    @Override
    public boolean supports(Mode mode) {
        return mode != Mode.PER_SAMPLE_NOISE && mode != Mode.AUTOCLIP && mode != Mode.ZCLIP;
    }

    @Override
    public ClipKernel open(List<Tensor> tensors, Mode mode) {
        return open(Operands.of(tensors), mode);
    }

    @Override
    public ClipKernel open(Operands operands, Mode mode) {
        Tensor[] tensors = operands.tensors().toArray(new Tensor[0]);
        if (mode.needsParameters()) {
            return new UnitLoops(tensors, operands.parameters().toArray(new Tensor[0]),
                    operands.units().toArray(new Units[0]));
        }
        if (mode == Mode.PER_SAMPLE) {
            return new SampleLoops(operands.samples().toArray(new Tensor[0]), operands.batch(), tensors);
        }
        if (mode == Mode.AMP) {
            return new AmpLoops(tensors, AdaptiveClippers.lossScale(tensors[0].dtype()));
        }
        if (!supports(mode)) {
            throw new IllegalArgumentException("javaloop does not run " + mode.cliName());
        }
        return new Loops(tensors, PerArrayKernel.elementCounts(operands.tensors()), mode);
    }

    private static double sumOfSquares(Tensor t) {
        return Elements.sumOfSquares(t, 0, t.elementCount());
    }

    /** The set's norm, as every kernel here reads it for the checks. */
    private static double norm(Tensor[] tensors) {
        double sum = 0;
        for (Tensor t : tensors) {
            sum += sumOfSquares(t);
        }
        return Math.sqrt(sum);
    }

    private static final class Loops extends PerArrayKernel {
        private final Tensor[] tensors;

        Loops(Tensor[] tensors, long[] elements, Mode mode) {
            super(mode, elements);
            this.tensors = tensors;
        }

        @Override
        protected double norm(int i) {
            return Math.sqrt(sumOfSquares(tensors[i]));
        }

        @Override
        protected void scale(int i, double coef) {
            Elements.scale(tensors[i], 0, tensors[i].elementCount(), coef);
        }

        @Override
        protected void clamp(int i, double v) {
            Elements.clamp(tensors[i], v);
        }
    }

    /** AGC as timm's {@code adaptive_clip_grad}, one unit (a row, or the whole tensor) at a time. */
    private static final class UnitLoops implements ClipKernel {
        private final Tensor[] grads;
        private final Tensor[] params;
        private final Units[] units;

        UnitLoops(Tensor[] grads, Tensor[] params, Units[] units) {
            for (Units u : units) {
                if (u.layout() == Units.Layout.COLUMNS) {
                    throw new IllegalArgumentException("javaloop runs AGC on row units only");
                }
            }
            this.grads = grads;
            this.params = params;
            this.units = units;
        }

        @Override
        public double run(double clipping) {
            double total = 0;
            for (int i = 0; i < grads.length; i++) {
                long k = grads[i].elementCount() / units[i].count();
                for (long from = 0; from < grads[i].elementCount(); from += k) {
                    double sum = Elements.sumOfSquares(grads[i], from, from + k);
                    total += sum;
                    double g = Math.sqrt(sum);
                    double limit = clipping * Math.max(Math.sqrt(Elements.sumOfSquares(params[i], from, from + k)),
                            ClipPolicy.Adaptive.DEFAULT_EPS);
                    if (g >= limit) {
                        double coef = limit / Math.max(g, TORCH_EPS);
                        if (coef < 1) {
                            Elements.scale(grads[i], from, from + k, coef);
                        }
                    }
                }
            }
            return Math.sqrt(total);
        }

        @Override
        public double norm() {
            return JavaLoopPeer.norm(grads);
        }

        @Override
        public void close() {}
    }

    /** Per-sample flat clipping without noise, as Opacus: every sample's norm, then the clipped sum. */
    private static final class SampleLoops implements ClipKernel {
        private final Tensor[] samples;
        private final Tensor[] outputs;
        private final double[] coefs;

        SampleLoops(Tensor[] samples, int batch, Tensor[] outputs) {
            this.samples = samples;
            this.outputs = outputs;
            this.coefs = new double[batch];
        }

        @Override
        public double run(double maxNorm) {
            double largest = 0;
            for (int b = 0; b < coefs.length; b++) {
                double sum = 0;
                for (int i = 0; i < samples.length; i++) {
                    long k = outputs[i].elementCount();
                    sum += Elements.sumOfSquares(samples[i], b * k, (b + 1) * k);
                }
                double n = Math.sqrt(sum);
                largest = Math.max(largest, n);
                coefs[b] = Math.min(1.0, maxNorm / (n + TORCH_EPS));
            }
            for (int i = 0; i < samples.length; i++) {
                Elements.weightedSum(samples[i], coefs, outputs[i]);
            }
            return largest;
        }

        @Override
        public double norm() {
            return JavaLoopPeer.norm(outputs);
        }

        @Override
        public void close() {}
    }

    /**
     * Loss-scaled gradients unscaled and clipped as PyTorch does it: {@code GradScaler.unscale_} (every
     * gradient multiplied by 1/S in place), then {@code clip_grad_norm_} (the norm, then the scaling). The
     * finiteness check GradScaler folds into its unscaling is left to the norm: a NaN or an infinity makes
     * it non-finite, and the step is skipped. Three passes over the gradients, two of them writing: 5B of
     * traffic against gradclip's 3B.
     */
    private static final class AmpLoops implements ClipKernel {
        private final Tensor[] grads;
        private final double scale;
        private int runsWithoutClip;

        AmpLoops(Tensor[] grads, double scale) {
            this.grads = grads;
            this.scale = scale;
        }

        @Override
        public double run(double maxNorm) {
            double inverse = 1.0 / scale;
            for (Tensor t : grads) {
                Elements.scale(t, 0, t.elementCount(), inverse);
            }
            double total = JavaLoopPeer.norm(grads);
            double coef = maxNorm / (total + TORCH_EPS);
            if (Double.isFinite(total) && coef < 1) {
                for (Tensor t : grads) {
                    Elements.scale(t, 0, t.elementCount(), coef);
                }
            } else {
                runsWithoutClip++;
            }
            return total;
        }

        @Override
        public double norm() {
            return JavaLoopPeer.norm(grads);
        }

        @Override
        public int runsWithoutClip() {
            return runsWithoutClip;
        }

        @Override
        public void close() {}
    }
}
