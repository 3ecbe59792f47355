package dev.gradclip.nd4j;

import dev.gradclip.ClipPolicy;
import dev.gradclip.CoefficientRule;
import dev.gradclip.GradClip;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The clipping modes of DL4J's {@code GradientNormalization}, done by gradclip on a DL4J gradient
 * map ({@code Gradient.gradientForVariable()}: keys {@code "<layer>_<param>"}, e.g. {@code "0_W"}).
 *
 * <p>Same arithmetic as DL4J's {@code BaseMultiLayerUpdater.preApply}, with one threshold for the
 * whole network:
 * <ul>
 *   <li>{@link Mode#CLIP_ELEMENT_WISE_ABSOLUTE_VALUE}: clamp to {@code [-t, t]} ({@link ClipPolicy#value});
 *   <li>{@link Mode#CLIP_L2_PER_LAYER}: if the L2 norm of all of a layer's gradients exceeds
 *       {@code t}, scale them by {@code t / norm} (one {@code globalNorm(t)} set per layer, rule EXACT);
 *   <li>{@link Mode#CLIP_L2_PER_PARAM_TYPE}: the same for each parameter array on its own
 *       ({@code perTensorNorm(t)}, rule EXACT).
 * </ul>
 * DL4J's {@code RenormalizeL2PerLayer} / {@code RenormalizeL2PerParamType} always rescale to unit
 * norm; they are not clipping and are not offered.
 *
 * <p>Registration happens on the first {@link #apply} and again only when the map's buffers change
 * (DL4J allocates them once per network). Not thread-safe; one instance per network.
 */
public final class GradclipNormalization implements AutoCloseable {

    /** The clipping values of DL4J's {@code GradientNormalization}. */
    public enum Mode {
        /** {@code GradientNormalization.ClipElementWiseAbsoluteValue}. */
        CLIP_ELEMENT_WISE_ABSOLUTE_VALUE("ClipElementWiseAbsoluteValue"),
        /** {@code GradientNormalization.ClipL2PerLayer}. */
        CLIP_L2_PER_LAYER("ClipL2PerLayer"),
        /** {@code GradientNormalization.ClipL2PerParamType}. */
        CLIP_L2_PER_PARAM_TYPE("ClipL2PerParamType");

        private final String dl4jName;

        Mode(String dl4jName) {
            this.dl4jName = dl4jName;
        }

        /** {@return the name of the DL4J enum constant} */
        public String dl4jName() {
            return dl4jName;
        }

        /**
         * {@return the mode for a DL4J {@code GradientNormalization} name, e.g. {@code GradientNormalization.ClipL2PerLayer.name()}}
         *
         * @throws IllegalArgumentException for None, the Renormalize modes, or an unknown name
         */
        public static Mode fromDl4jName(String name) {
            for (Mode m : values()) {
                if (m.dl4jName.equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("'" + name + "' is not a clipping GradientNormalization (supported: "
                    + "ClipElementWiseAbsoluteValue, ClipL2PerLayer, ClipL2PerParamType)");
        }
    }

    private final GradClip clip;
    private final Mode mode;
    private final double threshold;
    private final Function<String, String> layerOf;
    private final ClipPolicy policy;
    private final List<Nd4jGradients> sets = new ArrayList<>();
    private final List<Map<String, INDArray>> groups = new ArrayList<>();
    private Map<String, INDArray> registered;

    /**
     * A normalization with DL4J's default layer naming ({@code "<layer>_<param>"}, split at the last {@code '_'}).
     *
     * @param clip the backend to use; stays owned by the caller
     * @throws IllegalArgumentException if {@code threshold} is negative, NaN or infinite
     */
    public GradclipNormalization(GradClip clip, Mode mode, double threshold) {
        this(clip, mode, threshold, GradclipNormalization::dl4jLayerOf);
    }

    /**
     * @param layerOf maps a gradient key to its layer (used by {@link Mode#CLIP_L2_PER_LAYER} only)
     * @throws IllegalArgumentException if {@code threshold} is negative, NaN or infinite
     */
    public GradclipNormalization(GradClip clip, Mode mode, double threshold, Function<String, String> layerOf) {
        this.clip = Objects.requireNonNull(clip, "clip");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.layerOf = Objects.requireNonNull(layerOf, "layerOf");
        this.threshold = threshold;
        this.policy = switch (mode) {
            case CLIP_ELEMENT_WISE_ABSOLUTE_VALUE -> ClipPolicy.value(threshold);
            case CLIP_L2_PER_LAYER -> ClipPolicy.globalNorm(threshold).withRule(CoefficientRule.EXACT);
            case CLIP_L2_PER_PARAM_TYPE -> ClipPolicy.perTensorNorm(threshold).withRule(CoefficientRule.EXACT);
        };
    }

    /** {@return the layer of a DL4J gradient key: the part before the last '_' ("0_W" → "0"), or the key itself} */
    public static String dl4jLayerOf(String key) {
        int i = key.lastIndexOf('_');
        return i > 0 ? key.substring(0, i) : key;
    }

    /**
     * Clips the gradients in place, as DL4J's updater would with this mode and threshold.
     *
     * @param gradients {@code Gradient.gradientForVariable()} of the network (or of one layer)
     * @return true when some gradient was changed
     */
    public boolean apply(Map<String, INDArray> gradients) {
        Objects.requireNonNull(gradients, "gradients");
        if (gradients.isEmpty()) {
            return false;
        }
        if (!sameRegistration(gradients)) {
            register(gradients);
        }
        boolean changed = false;
        for (Nd4jGradients set : sets) {
            changed |= set.clip(policy).clipped();
        }
        return changed;
    }

    private boolean sameRegistration(Map<String, INDArray> gradients) {
        if (registered == null || !registered.keySet().equals(gradients.keySet())) {
            return false;
        }
        for (int g = 0; g < sets.size(); g++) {
            Map<String, INDArray> now = new LinkedHashMap<>();
            for (String key : groups.get(g).keySet()) {
                now.put(key, gradients.get(key));
            }
            if (!sets.get(g).sameBuffersAs(now)) {
                return false;
            }
        }
        return true;
    }

    private void register(Map<String, INDArray> gradients) {
        closeSets();
        Map<String, Map<String, INDArray>> byGroup = new LinkedHashMap<>();
        gradients.forEach((key, array) -> {
            String group = mode == Mode.CLIP_L2_PER_LAYER ? layerOf.apply(key) : "";
            byGroup.computeIfAbsent(group, k -> new LinkedHashMap<>()).put(key, array);
        });
        for (Map<String, INDArray> group : byGroup.values()) {
            groups.add(group);
            sets.add(Nd4jGradients.register(clip, group));
        }
        registered = new LinkedHashMap<>(gradients);
    }

    /** {@return the mode} */
    public Mode mode() {
        return mode;
    }

    /** {@return the threshold} */
    public double threshold() {
        return threshold;
    }

    private void closeSets() {
        for (Nd4jGradients s : sets) {
            s.close();
        }
        sets.clear();
        groups.clear();
        registered = null;
    }

    /** Releases gradclip's buffers (not the {@link GradClip}, which the caller owns). */
    @Override
    public void close() {
        closeSets();
    }
}
