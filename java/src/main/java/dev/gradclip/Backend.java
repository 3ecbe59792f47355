package dev.gradclip;

/** Where the clipping kernels run. */
public enum Backend {
    /** The best backend that loads for host memory: {@link #CPU}, else {@link #JAVA} (saying why). */
    AUTO,
    /** Pure Java, fp64 accumulation, plain loops: the exact reference, always available. */
    JAVA,
    /** Native multi-threaded SIMD kernels (libgradclip_cpu) on host memory. */
    CPU,
    /** CUDA kernels (libgradclip_cuda) on device memory. */
    CUDA
}
