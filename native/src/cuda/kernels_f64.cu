// The kernels compiled for sets whose chunks are all F64 (see launch_impl.cuh).
#include "launch_impl.cuh"

namespace gc::cuda {
GC_CUDA_INSTANTIATE_LAUNCHES(F64)
}  // namespace gc::cuda
