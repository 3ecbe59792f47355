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
 * The modes of DL4J's {@code GradientNormalization}, done by gradclip on a DL4J gradient
 * map ({@code Gradient.gradientForVariable()}: keys {@code "<layer>_<param>"}, e.g. {@code "0_W"}).
 *
 * <p>Same arithmetic as DL4J's {@code BaseMultiLayerUpdater.preApply}, with one threshold for the
 * whole network:
 * <ul>
 *   <li>{@link Mode#CLIP_ELEMENT_WISE_ABSOLUTE_VALUE}: clamp to {@code [-t, t]} ({@link ClipPolicy#value});
 *   <li>{@link Mode#CLIP_L2_PER_LAYER}: if the L2 norm of all of a layer's gradients exceeds
 *       {@code t}, scale them by {@code t / norm} (one {@code globalNorm(t)} set per layer, rule EXACT);
 *   <li>{@link Mode#CLIP_L2_PER_PARAM_TYPE}: the same for each parameter array on its own
 *       ({@code perTensorNorm(t)}, rule EXACT);
 *   <li>{@link Mode#RENORMALIZE_L2_PER_LAYER}: every layer's gradients divided by the layer's L2 norm
 *       (one norm pass and one scale by {@code 1 / norm} per layer; the threshold is not used);
 *   <li>{@link Mode#RENORMALIZE_L2_PER_PARAM_TYPE}: every parameter array divided by its own L2 norm.
 * </ul>
 * The renormalizing modes multiply by {@code 1 / norm} where DL4J divides by the norm: results may
 * differ in the last bit. A zero norm leaves the gradients unchanged (they are zero; DL4J substitutes
 * a tiny norm with the same result); a NaN or infinite norm leaves them unchanged too, where DL4J would
 * spread the NaN, and {@link #apply} then reports no change for that group.
 *
 * <p>Registration happens on the first {@link #apply} and again only when the map's buffers change
 * (DL4J allocates them once per network). Not thread-safe; one instance per network.
 */
public final class GradclipNormalization implements AutoCloseable {

    /** The values of DL4J's {@code GradientNormalization} other than {@code None}. */
    public enum Mode {
        /** {@code GradientNormalization.ClipElementWiseAbsoluteValue}. */
        CLIP_ELEMENT_WISE_ABSOLUTE_VALUE("ClipElementWiseAbsoluteValue"),
        /** {@code GradientNormalization.ClipL2PerLayer}. */
        CLIP_L2_PER_LAYER("ClipL2PerLayer"),
        /** {@code GradientNormalization.ClipL2PerParamType}. */
        CLIP_L2_PER_PARAM_TYPE("ClipL2PerParamType"),
        /** {@code GradientNormalization.RenormalizeL2PerLayer}. */
        RENORMALIZE_L2_PER_LAYER("RenormalizeL2PerLayer"),
        /** {@code GradientNormalization.RenormalizeL2PerParamType}. */
        RENORMALIZE_L2_PER_PARAM_TYPE("RenormalizeL2PerParamType");

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
         * @throws IllegalArgumentException for None or an unknown name
         */
        public static Mode fromDl4jName(String name) {
            for (Mode m : values()) {
                if (m.dl4jName.equals(name)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("'" + name + "' is not a GradientNormalization gradclip applies (supported: "
                    + "ClipElementWiseAbsoluteValue, ClipL2PerLayer, ClipL2PerParamType, RenormalizeL2PerLayer, "
                    + "RenormalizeL2PerParamType)");
        }
    }

    private final GradClip clip;
    private final Mode mode;
    private final double threshold;
    private final Function<String, String> layerOf;
    /** The clip policy, or null for the renormalizing modes. */
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
     * @param layerOf maps a gradient key to its layer (used by the per-layer modes only)
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
            case RENORMALIZE_L2_PER_LAYER, RENORMALIZE_L2_PER_PARAM_TYPE -> null;
        };
    }

    /** {@return the layer of a DL4J gradient key: the part before the last '_' ("0_W" → "0"), or the key itself} */
    public static String dl4jLayerOf(String key) {
        int i = key.lastIndexOf('_');
        return i > 0 ? key.substring(0, i) : key;
    }

    /**
     * Clips (or renormalizes) the gradients in place, as DL4J's updater would with this mode and threshold.
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
            if (policy != null) {
                changed |= set.clip(policy).clipped();
            } else {
                double norm = set.gradientSet().norm(2).totalNorm();
                if (norm > 0 && Double.isFinite(norm)) {
                    changed |= set.gradientSet().scale(1.0 / norm).clipped();
                }
            }
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
            String group = switch (mode) {
                case CLIP_L2_PER_LAYER, RENORMALIZE_L2_PER_LAYER -> layerOf.apply(key);
                case RENORMALIZE_L2_PER_PARAM_TYPE -> key; // one norm per array
                default -> ""; // value and per-tensor clips treat all arrays at once
            };
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
