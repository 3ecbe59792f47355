package dev.gradclip.bench;

import dev.gradclip.Tensor;
import dev.gradclip.Units;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensors one case works on, host or device alike.
 *
 * @param tensors the set: the gradients a clip writes in place, or the outputs of the per-sample modes
 * @param parameters AGC: one per tensor, of the same shape; empty when no mode here needs them
 * @param samples the per-sample modes: tensor i holds {@code batch} samples of {@code tensors[i]}'s shape,
 *     sample-major; empty when no mode here needs them
 * @param batch the samples in each of {@code samples}; 0 without them
 */
public record Operands(List<Tensor> tensors, List<Tensor> parameters, List<Tensor> samples, int batch) {
    public Operands {
        tensors = List.copyOf(tensors);
        parameters = List.copyOf(parameters);
        samples = List.copyOf(samples);
    }

    /** {@return the operands of the modes that need nothing but the set} */
    public static Operands of(List<Tensor> tensors) {
        return new Operands(tensors, List.of(), List.of(), 0);
    }

    /** {@return each tensor's AGC units as timm derives them from a PyTorch shape: rows of the first dimension} */
    public List<Units> units() {
        List<Units> units = new ArrayList<>(tensors.size());
        for (Tensor t : tensors) {
            units.add(Units.torch(t.shape()));
        }
        return units;
    }
}
