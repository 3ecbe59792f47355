// The kernels compiled for sets whose chunks are all Bf16 (see launch_impl.cuh).
#include "launch_impl.cuh"

namespace gc::cuda {
GC_CUDA_INSTANTIATE_LAUNCHES(Bf16)
}  // namespace gc::cuda
