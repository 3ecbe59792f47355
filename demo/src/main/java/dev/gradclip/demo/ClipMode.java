package dev.gradclip.demo;

import dev.gradclip.ClipPolicy;
import java.util.Locale;

/** The four ways the demo trains: without clipping, and with each of gradclip's clip policies. */
enum ClipMode {
    /** The control run: gradients go to the optimizer as they are. */
    NONE("no clipping"),
    /** {@code ClipPolicy.globalNorm(maxNorm)}: all gradients scaled by one factor, as PyTorch's clip_grad_norm_. */
    GLOBAL_NORM("global norm"),
    /** {@code ClipPolicy.perTensorNorm(maxNorm)}: each tensor scaled by its own factor, as Keras' clipnorm. */
    PER_TENSOR_NORM("per-tensor norm"),
    /** {@code ClipPolicy.value(clipValue)}: each element clamped, as PyTorch's clip_grad_value_. */
    VALUE("value");

    private final String label;

    ClipMode(String label) {
        this.label = label;
    }

    /** {@return the name people read, e.g. "global norm"} */
    String label() {
        return label;
    }

    /** {@return the name used in the CSV, e.g. "global-norm"} */
    String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** {@return the gradclip policy of this mode, or null for {@link #NONE}} */
    ClipPolicy policy(double maxNorm, double clipValue) {
        return switch (this) {
            case NONE -> null;
            case GLOBAL_NORM -> ClipPolicy.globalNorm(maxNorm);
            case PER_TENSOR_NORM -> ClipPolicy.perTensorNorm(maxNorm);
            case VALUE -> ClipPolicy.value(clipValue);
        };
    }
}
