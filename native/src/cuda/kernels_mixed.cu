// The kernels compiled for sets that mix dtypes (see launch_impl.cuh).
#include "launch_impl.cuh"

namespace gc::cuda {
GC_CUDA_INSTANTIATE_LAUNCHES(AnyDtype)
}  // namespace gc::cuda
