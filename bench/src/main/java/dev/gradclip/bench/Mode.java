package dev.gradclip.bench;

import java.util.List;
import java.util.Locale;

/**
 * What one benchmark case does to a gradient set, and the memory traffic its floor assumes.
 *
 * <p>The floor of a mode is {@code readPasses} read-only passes over what it reads plus {@code copyPasses}
 * read+write passes over the set's bytes (see {@link Floor}, {@link Traffic}): a norm reads everything
 * once; a clip that writes reads once for the norm, then reads and writes once to scale. AGC also reads
 * the parameters, a second set of the same size. The per-sample modes read their inputs ({@code batch}
 * samples of the set's size) twice and write one set, the outputs: a store stream that is not
 * non-temporal reads each line before writing it (write-allocate), so the write counts as a read+write
 * pass over the outputs.
 *
 * <p>The adaptive modes drive gradclip's stateful clippers ({@code dev.gradclip.adaptive}) over the set:
 * AutoClip and ZClip clip it globally (a norm pass, then a scale pass, as global-clip), from a state
 * primed before each run so that each run clips ({@link AdaptiveClippers}); amp unscales and clips
 * gradients that hold loss-scaled values in one write pass, starting every run from freshly filled,
 * scaled data ({@link #refillsEachRun}).
 */
public enum Mode {
    /** Total and per-tensor L2 norms, nothing written. */
    NORM("norm", 1, 0, false),
    /** Global L2 norm clip whose threshold is above the norm: the norm pass alone. */
    GLOBAL_NOCLIP("global-noclip", 1, 0, false),
    /** Global L2 norm clip whose threshold is below the norm on every repetition: norm pass + scale pass. */
    GLOBAL_CLIP("global-clip", 1, 1, false),
    /** Per-tensor L2 norm clip whose threshold is below every tensor's norm: norm pass + scale pass. */
    PER_TENSOR("per-tensor", 1, 1, false),
    /** Element-wise clamp to [-v, v]: one read+write pass. */
    VALUE("value", 0, 1, false),
    /** Block RMS clip whose threshold is below every tensor's RMS: norm pass + scale pass, as per-tensor. */
    BLOCK_RMS("block-rms", 1, 1, false),
    /** AGC that clips every unit: gradients and parameters read, then the gradients scaled. */
    AGC("agc", 2, 1, false),
    /** AGC that clips nothing: gradients and parameters read. */
    AGC_NOCLIP("agc-noclip", 2, 0, false),
    /** Per-sample flat clip of every sample, no noise: inputs read twice, outputs written. */
    PER_SAMPLE("per-sample", 2, 1, true),
    /** {@link #PER_SAMPLE} with Gaussian noise of σ = 1: the same traffic, plus the generator's arithmetic. */
    PER_SAMPLE_NOISE("per-sample-noise", 2, 1, true),
    /** AutoClip (percentile 10, window 1000) from a full history, clipping the set globally on every run. */
    AUTOCLIP("autoclip", 1, 1, false),
    /** ZClip (the paper's defaults) past warm-up, every run's norm a spike it clips. */
    ZCLIP("zclip", 1, 1, false),
    /**
     * LossScaler.unscaleAndClip on loss-scaled gradients, clipping on every run: a norm pass, then one
     * write pass that unscales and clips. Every run starts from freshly filled, scaled data.
     */
    AMP("amp", 1, 1, false);

    /**
     * The modes {@code --mode} runs by default: the original five. The others need a second set in
     * memory (AGC's parameters, per-sample inputs), or time the adaptive clippers around a global clip,
     * and would push the default run on 2 cores past 3 minutes.
     */
    public static final List<Mode> DEFAULTS = List.of(NORM, GLOBAL_NOCLIP, GLOBAL_CLIP, PER_TENSOR, VALUE);

    private final String cliName;
    private final int readPasses;
    private final int copyPasses;
    private final boolean perSample;

    Mode(String cliName, int readPasses, int copyPasses, boolean perSample) {
        this.cliName = cliName;
        this.readPasses = readPasses;
        this.copyPasses = copyPasses;
        this.perSample = perSample;
    }

    /** {@return the name used on the command line and in reports, e.g. "global-clip"} */
    public String cliName() {
        return cliName;
    }

    /** {@return read-only passes in this mode's floor: over the set, or over the per-sample inputs} */
    public int readPasses() {
        return readPasses;
    }

    /** {@return read+write passes over the set (the gradients, or the per-sample outputs) in this mode's floor} */
    public int copyPasses() {
        return copyPasses;
    }

    /** {@return true when the mode writes the set (the "clipping" column of the reports)} */
    public boolean clipping() {
        return copyPasses > 0;
    }

    /** {@return true for the modes that drive a stateful clipper of {@code dev.gradclip.adaptive}} */
    public boolean adaptive() {
        return this == AUTOCLIP || this == ZCLIP || this == AMP;
    }

    /**
     * {@return true when every run must start from freshly filled data} amp: the gradients hold the
     * loss-scaled values, which the run unscales; its next run needs them scaled again.
     */
    public boolean refillsEachRun() {
        return this == AMP;
    }

    /** {@return true for AGC, which reads the parameters attached to the set} */
    public boolean needsParameters() {
        return this == AGC || this == AGC_NOCLIP;
    }

    /** {@return true for the per-sample modes, which read {@code batch} samples and write the set as their output} */
    public boolean perSample() {
        return perSample;
    }

    /**
     * {@return the floor's traffic over a set of {@code setBytes} bytes}
     *
     * @param batch samples of the per-sample modes' inputs; ignored by the other modes
     */
    public Traffic traffic(long setBytes, int batch) {
        long read = (perSample ? Math.multiplyExact(batch, setBytes) : setBytes) * readPasses;
        return new Traffic(read, setBytes * copyPasses);
    }

    /**
     * {@return the mode a command-line name means}
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Mode fromCliName(String name) {
        for (Mode m : values()) {
            if (m.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + name + "' (modes: " + names() + ")");
    }

    /** {@return every mode's command-line name, comma-separated} */
    public static String names() {
        StringBuilder b = new StringBuilder();
        for (Mode m : values()) {
            b.append(b.isEmpty() ? "" : ",").append(m.cliName);
        }
        return b.toString();
    }
}
