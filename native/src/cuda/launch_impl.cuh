// The launches of one op for kernels compiled for storage type D (or AnyDtype). Defined once here,
// instantiated once per D in kernels_<dtype>.cu, so the five compilations build in parallel.
//
// Launches per mode (at most three per run, whatever the number of tensors):
//   NORM                 norm_kernel
//   GLOBAL, PER_TENSOR,  norm_kernel, then write_kernel (returns at once unless the device said write)
//   BLOCK_RMS
//   VALUE + PROPAGATE    value_kernel<write>
//   VALUE + ERROR/SKIP   value_kernel<count>, then write_kernel<kClamp>
//   SCALE                write_kernel<kScaleBy>
//   AGC                  agc_partial_kernel, agc_unit_kernel, agc_write_kernel (agc_kernels.cuh)
//   PER_SAMPLE_*         norm_kernel<L2> over the pairs view, then sample_output_kernel
#pragma once
#include <cuda_runtime_api.h>

#include "common/status.hpp"
#include "device_types.hpp"
#include "errors.hpp"
#include "agc_kernels.cuh"
#include "launch.hpp"
#include "norm_kernel.cuh"
#include "sample_kernel.cuh"
#include "tuning.hpp"
#include "value_kernel.cuh"
#include "write_kernel.cuh"

namespace gc::cuda {

// cudaLaunchKernel rather than <<<>>>: the same launch, but plain C++, so this file (and the whole
// library) also builds against the CPU emulator of tests/cuda/emulator, which runs the kernels in CI.
template <typename... Args>
int launch_kernel(void (*kernel)(Args...), const char* name, int grid, cudaStream_t stream, Args... args) {
  void* arg_ptrs[] = {static_cast<void*>(&args)...};
  const cudaError_t err = cudaLaunchKernel(reinterpret_cast<const void*>(kernel), dim3(static_cast<unsigned>(grid)),
                                           dim3(kBlockSize), arg_ptrs, 0, stream);
  if (err != cudaSuccess) return cuda_failure(err, name);
  return check_launch(name);
}

template <typename D>
int launch_norm(const SetView& set, const OpArgs& a, int grid, cudaStream_t stream) {
  switch (norm_kind(a.norm_type)) {
    case NormKind::kL1: return launch_kernel(norm_kernel<D, NormKind::kL1>, "norm_kernel<L1>", grid, stream, set, a);
    case NormKind::kL2: return launch_kernel(norm_kernel<D, NormKind::kL2>, "norm_kernel<L2>", grid, stream, set, a);
    case NormKind::kInf: return launch_kernel(norm_kernel<D, NormKind::kInf>, "norm_kernel<Inf>", grid, stream, set, a);
    case NormKind::kPow: return launch_kernel(norm_kernel<D, NormKind::kPow>, "norm_kernel<Pow>", grid, stream, set, a);
  }
  return fail(GC_E_INTERNAL, "unknown norm kind");
}

template <typename D>
int launch_op_for(const LaunchPlan& plan, const OpArgs& a, cudaStream_t stream) {
  const SetView& set = plan.view;
  const int grid = plan.grid;
  switch (a.mode) {
    case GC_MODE_NORM:
      return launch_norm<D>(set, a, grid, stream);
    case GC_MODE_GLOBAL:
      if (int rc = launch_norm<D>(set, a, grid, stream)) return rc;
      return launch_kernel(write_kernel<D, WriteKind::kGlobal>, "write_kernel<Global>", grid, stream, set, a);
    case GC_MODE_PER_TENSOR:
    case GC_MODE_BLOCK_RMS:
      if (int rc = launch_norm<D>(set, a, grid, stream)) return rc;
      return launch_kernel(write_kernel<D, WriteKind::kPerTensor>, "write_kernel<PerTensor>", grid, stream, set, a);
    case GC_MODE_VALUE:
      if (a.nonfinite == GC_NONFINITE_PROPAGATE) {
        return launch_kernel(value_kernel<D, true>, "value_kernel<write>", grid, stream, set, a);
      }
      if (int rc = launch_kernel(value_kernel<D, false>, "value_kernel<count>", grid, stream, set, a)) return rc;
      return launch_kernel(write_kernel<D, WriteKind::kClamp>, "write_kernel<Clamp>", grid, stream, set, a);
    case GC_MODE_SCALE:
      return launch_kernel(write_kernel<D, WriteKind::kScaleBy>, "write_kernel<ScaleBy>", grid, stream, set, a);
    case GC_MODE_AGC:
      if (int rc = launch_kernel(agc_partial_kernel<D>, "agc_partial_kernel", plan.agc_grid, stream, set, a)) return rc;
      if (int rc = launch_kernel(agc_unit_kernel<D>, "agc_unit_kernel", plan.agc_unit_grid, stream, set, a)) return rc;
      return launch_kernel(agc_write_kernel<D>, "agc_write_kernel", plan.agc_grid, stream, set, a);
    case GC_MODE_PER_SAMPLE_FLAT:
    case GC_MODE_PER_SAMPLE_LAYER:
      if (int rc = launch_kernel(norm_kernel<D, NormKind::kL2>, "norm_kernel<L2>", plan.pair_grid, stream, plan.pairs,
                                 a)) {
        return rc;
      }
      return launch_kernel(sample_output_kernel<D>, "sample_output_kernel", plan.output_grid, stream, plan.pairs, a);
    default:
      return fail(GC_E_INTERNAL, "unknown mode %d after validation", a.mode);
  }
}

template <typename Kernel>
int lower_to_occupancy(Kernel kernel, int* blocks) {
  int b = 0;
  const cudaError_t err =
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&b, reinterpret_cast<const void*>(kernel), kBlockSize, 0);
  if (int rc = check(err, "cudaOccupancyMaxActiveBlocksPerMultiprocessor")) return rc;
  if (b < *blocks) *blocks = b;
  return GC_OK;
}

template <typename D>
int resident_blocks_for(int* out) {
  int blocks = kMaxBlocksPerSm;
  int rc = GC_OK;
  if (!rc) rc = lower_to_occupancy(norm_kernel<D, NormKind::kL1>, &blocks);
  if (!rc) rc = lower_to_occupancy(norm_kernel<D, NormKind::kL2>, &blocks);
  if (!rc) rc = lower_to_occupancy(norm_kernel<D, NormKind::kInf>, &blocks);
  if (!rc) rc = lower_to_occupancy(norm_kernel<D, NormKind::kPow>, &blocks);
  if (!rc) rc = lower_to_occupancy(value_kernel<D, true>, &blocks);
  if (!rc) rc = lower_to_occupancy(value_kernel<D, false>, &blocks);
  if (!rc) rc = lower_to_occupancy(write_kernel<D, WriteKind::kGlobal>, &blocks);
  if (!rc) rc = lower_to_occupancy(write_kernel<D, WriteKind::kPerTensor>, &blocks);
  if (!rc) rc = lower_to_occupancy(write_kernel<D, WriteKind::kClamp>, &blocks);
  if (!rc) rc = lower_to_occupancy(write_kernel<D, WriteKind::kScaleBy>, &blocks);
  if (!rc) rc = lower_to_occupancy(agc_unit_kernel<D>, &blocks);
  if (!rc) rc = lower_to_occupancy(agc_write_kernel<D>, &blocks);
  // Not agc_partial_kernel and sample_output_kernel: see kMinBlocksPerSmHeavy.
  if (rc) return rc;
  *out = blocks < 1 ? 1 : blocks;
  return GC_OK;
}

// Each kernels_<dtype>.cu instantiates both for its D; launch.cu only calls them.
#define GC_CUDA_INSTANTIATE_LAUNCHES(D)                                            \
  template int launch_op_for<D>(const LaunchPlan&, const OpArgs&, cudaStream_t); \
  template int resident_blocks_for<D>(int*);

}  // namespace gc::cuda
