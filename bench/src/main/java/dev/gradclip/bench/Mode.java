package dev.gradclip.bench;

import java.util.Locale;

/**
 * What one benchmark case does to a gradient set, and the memory traffic its floor assumes.
 *
 * <p>The floor of a mode is {@code readPasses} read-only passes plus {@code copyPasses} read+write
 * passes over the set's bytes (see {@link Floor}): a norm reads everything once; a clip that writes
 * reads once for the norm, then reads and writes once to scale.
 */
public enum Mode {
    /** Total and per-tensor L2 norms, nothing written. */
    NORM("norm", 1, 0),
    /** Global L2 norm clip whose threshold is above the norm: the norm pass alone. */
    GLOBAL_NOCLIP("global-noclip", 1, 0),
    /** Global L2 norm clip whose threshold is below the norm on every repetition: norm pass + scale pass. */
    GLOBAL_CLIP("global-clip", 1, 1),
    /** Per-tensor L2 norm clip whose threshold is below every tensor's norm: norm pass + scale pass. */
    PER_TENSOR("per-tensor", 1, 1),
    /** Element-wise clamp to [-v, v]: one read+write pass. */
    VALUE("value", 0, 1);

    private final String cliName;
    private final int readPasses;
    private final int copyPasses;

    Mode(String cliName, int readPasses, int copyPasses) {
        this.cliName = cliName;
        this.readPasses = readPasses;
        this.copyPasses = copyPasses;
    }

    /** {@return the name used on the command line and in reports, e.g. "global-clip"} */
    public String cliName() {
        return cliName;
    }

    /** {@return read-only passes over the set in this mode's floor} */
    public int readPasses() {
        return readPasses;
    }

    /** {@return read+write passes over the set in this mode's floor} */
    public int copyPasses() {
        return copyPasses;
    }

    /** {@return true when the mode writes the gradients (the "clipping" column of the reports)} */
    public boolean clipping() {
        return copyPasses > 0;
    }

    /** {@return the bytes moved by the floor's passes over a set of {@code setBytes} bytes} */
    public long trafficBytes(long setBytes) {
        return (readPasses + 2L * copyPasses) * setBytes;
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
