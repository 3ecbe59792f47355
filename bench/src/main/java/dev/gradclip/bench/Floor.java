package dev.gradclip.bench;

/**
 * The memory floor of one device for one set size: what the hardware takes to read the set's bytes
 * once, and to copy them once, measured in the same run as the kernels.
 *
 * <p>Bandwidths are in GB/s (10^9 bytes per second). {@code copyGbPerS} counts the bytes read and the
 * bytes written, so a copy of B bytes moves 2B. A mode with r read passes and c read+write passes has
 * the floor
 * <pre>
 *   floor_ms = r * B / read_bw + c * 2B / copy_bw
 * </pre>
 * i.e. norm and global-noclip: B / read_bw; global-clip, per-tensor, block-rms, autoclip, zclip and amp:
 * B / read_bw + 2B / copy_bw; value: 2B / copy_bw; agc: 2B / read_bw + 2B / copy_bw; agc-noclip: 2B / read_bw. The
 * per-sample modes read their inputs of batch * B bytes twice and write B: 2 * batch * B / read_bw + 2B /
 * copy_bw ({@link Mode#traffic}).
 *
 * @param readGbPerS read-only bandwidth
 * @param copyGbPerS copy bandwidth, read and written bytes counted
 * @param method how the two were measured, for the report header
 */
public record Floor(double readGbPerS, double copyGbPerS, String method) {
    /** @throws IllegalArgumentException if a bandwidth is not positive and finite */
    public Floor {
        if (!(readGbPerS > 0 && copyGbPerS > 0) || Double.isInfinite(readGbPerS) || Double.isInfinite(copyGbPerS)) {
            throw new IllegalArgumentException("bandwidths must be positive and finite: read " + readGbPerS
                    + " GB/s, copy " + copyGbPerS + " GB/s");
        }
    }

    /** {@return the floor time in milliseconds of moving {@code traffic}} */
    public double ms(Traffic traffic) {
        double readSeconds = traffic.readBytes() / (readGbPerS * 1e9);
        double copySeconds = 2.0 * traffic.readWriteBytes() / (copyGbPerS * 1e9);
        return (readSeconds + copySeconds) * 1e3;
    }

    /** {@return the floor time as a percentage of {@code measuredMs}: 100 means at the floor} */
    public double percentOf(Traffic traffic, double measuredMs) {
        return 100.0 * ms(traffic) / measuredMs;
    }
}
