// The kernels compiled for sets whose chunks are all F32 (see launch_impl.cuh).
#include "launch_impl.cuh"

namespace gc::cuda {
GC_CUDA_INSTANTIATE_LAUNCHES(F32)
}  // namespace gc::cuda
