package dev.gradclip.bench.peers;

import dev.gradclip.DType;
import dev.gradclip.Tensor;
import dev.gradclip.bench.ClipKernel;
import dev.gradclip.bench.Mode;
import dev.gradclip.bench.Operands;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Another library doing the same clipping in this JVM, on the same off-heap gradients. Implementations
 * have a public no-argument constructor that throws when the library cannot run here (its message
 * says why), so that {@link PeerLoader} can load them from a separate class path.
 */
public interface Peer extends AutoCloseable {
    /** The modes every peer runs: the clips frameworks have built in (or as a loop over their arrays). */
    Set<Mode> COMMON_MODES = EnumSet.of(Mode.NORM, Mode.GLOBAL_NOCLIP, Mode.GLOBAL_CLIP, Mode.PER_TENSOR, Mode.VALUE);

    /** {@return the peer's name in reports, one of BenchOptions.PEER_NAMES} */
    String name();

    /** {@return how it runs: library version, threads, whether it reads our buffers in place or copies them} */
    String description();

    /** {@return whether this peer can store {@code dtype}} */
    boolean supports(DType dtype);

    /** {@return whether this peer runs {@code mode}; the others are listed as not supported} */
    default boolean supports(Mode mode) {
        return COMMON_MODES.contains(mode);
    }

    /**
     * {@return the peer doing {@code mode}, one of {@link #COMMON_MODES}, over {@code tensors}} Any copying
     * in of the data happens here, untimed; the kernel's runs then work on the peer's arrays.
     */
    ClipKernel open(List<Tensor> tensors, Mode mode);

    /**
     * {@return the peer doing {@code mode}, one it {@linkplain #supports(Mode) supports}, over
     * {@code operands}} A peer that runs modes with parameters or samples overrides this.
     */
    default ClipKernel open(Operands operands, Mode mode) {
        return open(operands.tensors(), mode);
    }

    /** {@return the relative tolerance of this peer's checks for {@code dtype}} */
    default double tolerance(DType dtype) {
        return PeerTolerance.of(dtype);
    }

    /** Releases the library's resources. */
    @Override
    default void close() {}
}
