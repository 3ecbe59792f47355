// The write launch of GLOBAL, PER_TENSOR, VALUE (ERROR/SKIP) and SCALE: one launch over the chunk table.
//
// For the first three, the decision was made on the device by the previous launch of the same run:
// every block reads DeviceControl::apply first and returns at once when nothing must be written
// (coefficient >= 1, non-finite input under ERROR/SKIP, nothing to clamp), so a clip is two launches
// with no host round trip between them, and a clip that does not clip costs one wave of empty blocks.
#pragma once
#include <cstdint>

#include "common/numeric.hpp"
#include "device_types.hpp"
#include "elements.cuh"
#include "tuning.hpp"
#include "visit.cuh"
#include "visitors.cuh"

namespace gc::cuda {

enum class WriteKind {
  kGlobal,     // every tensor by control->result.coefficient
  kPerTensor,  // tensor i by tensor_coefs[i], where that coefficient is < 1 (or NaN)
  kClamp,      // VALUE with ERROR/SKIP, after value_kernel<D, false>
  kScaleBy,    // SCALE: by op.threshold, decided on the host; this launch also writes the result
};

template <typename D, WriteKind W>
__global__ void __launch_bounds__(kBlockSize, min_blocks_per_sm<D>()) write_kernel(SetView set, OpArgs op) {
  double coef = op.threshold;
  if constexpr (W == WriteKind::kScaleBy) {
    const bool writes = !(op.threshold == 1.0);  // NaN writes (everything becomes NaN)
    if (blockIdx.x == 0 && threadIdx.x == 0) {
      gc_result r;
      r.total_norm = NAN;
      r.coefficient = op.threshold;
      r.clipped_count = writes ? 1 : 0;
      r.clipped = writes ? 1 : 0;
      r.nonfinite = 0;  // SCALE does not look
      set.control->result = r;
      set.control->apply = 0;
    }
    if (!writes) return;
  } else {
    // Written by the previous kernel on this stream, so a plain load sees it.
    if (set.control->apply == 0) return;
    if constexpr (W == WriteKind::kGlobal) coef = set.control->result.coefficient;
  }

  for (int64_t c = blockIdx.x; c < set.num_chunks; c += gridDim.x) {
    const Chunk chunk = set.chunks[c];
    if constexpr (W == WriteKind::kPerTensor) {
      coef = set.tensor_coefs[chunk.tensor];
      if (!gc::must_scale(coef)) continue;  // block-uniform; no barriers in this kernel
    }
    const DeviceTensor tensor = set.tensors[chunk.tensor];
    for_dtype<D>(tensor.dtype, [&](auto type) {
      using E = decltype(type);
      auto* data = static_cast<typename E::Storage*>(tensor.data) + chunk.offset;
      if constexpr (W == WriteKind::kClamp) {
        ClampVisitor<E, true> visitor(op.threshold);
        visit_chunk(data, chunk.length, visitor);
      } else {
        ScaleVisitor<E> visitor{coef};
        visit_chunk(data, chunk.length, visitor);
      }
    });
  }
}

}  // namespace gc::cuda
