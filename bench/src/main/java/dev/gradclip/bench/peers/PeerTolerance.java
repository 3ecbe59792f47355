package dev.gradclip.bench.peers;

import dev.gradclip.DType;
import dev.gradclip.bench.Reference;

/**
 * How closely a peer must match the reference. The peers compute a norm (and the clip coefficient)
 * in the gradients' own dtype, so for 16-bit gradients their answer carries that dtype's rounding:
 * they are checked at four times its unit roundoff. fp32 and fp64 peers are held to the same 1e-6 as
 * gradclip's backends.
 */
public final class PeerTolerance {
    private PeerTolerance() {}

    /** {@return the relative tolerance for a peer computing in {@code dtype}} */
    public static double of(DType dtype) {
        return switch (dtype) {
            case F32, F64 -> Reference.TOLERANCE;
            case BF16 -> 4 * 0x1p-8; // 8 significant bits
            case F16 -> 4 * 0x1p-11; // 11 significant bits
        };
    }
}
