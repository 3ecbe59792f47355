package dev.gradclip.bench.peers;

import dev.gradclip.DType;
import dev.gradclip.Tensor;
import dev.gradclip.bench.ClipKernel;
import dev.gradclip.bench.Mode;
import java.util.List;

/**
 * Another library doing the same clipping in this JVM, on the same off-heap gradients. Implementations
 * have a public no-argument constructor that throws when the library cannot run here (its message
 * says why), so that {@link PeerLoader} can load them from a separate class path.
 */
public interface Peer extends AutoCloseable {
    /** {@return the peer's name in reports, one of BenchOptions.PEER_NAMES} */
    String name();

    /** {@return how it runs: library version, threads, whether it reads our buffers in place or copies them} */
    String description();

    /** {@return whether this peer can store {@code dtype}} */
    boolean supports(DType dtype);

    /**
     * {@return the peer doing {@code mode} over {@code tensors}} Any copying in of the data happens here,
     * untimed; the kernel's runs then work on the peer's arrays.
     */
    ClipKernel open(List<Tensor> tensors, Mode mode);

    /** {@return the relative tolerance of this peer's checks for {@code dtype}} */
    default double tolerance(DType dtype) {
        return PeerTolerance.of(dtype);
    }

    /** Releases the library's resources. */
    @Override
    default void close() {}
}
