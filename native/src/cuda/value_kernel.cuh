// VALUE: clamp every element to [-v, v], count what was clamped, and note non-finite input.
//  - PROPAGATE: one launch, value_kernel<D, true>, clamps as it counts.
//  - ERROR/SKIP: value_kernel<D, false> only counts and decides (apply = no non-finite and something to
//    clamp); write_kernel<WriteKind::kClamp> then clamps only if the device says so.
// Counts are integers, so the order in which the last block adds the per-chunk slots is irrelevant.
#pragma once
#include <cstdint>

#include "block.cuh"
#include "device_types.hpp"
#include "elements.cuh"
#include "tuning.hpp"
#include "visit.cuh"
#include "visitors.cuh"

namespace gc::cuda {

template <typename D, bool kWrite>
__global__ void __launch_bounds__(kBlockSize, min_blocks_per_sm<D>()) value_kernel(SetView set, OpArgs op) {
  __shared__ ReduceStorage tmp;
  for (int64_t c = blockIdx.x; c < set.num_chunks; c += gridDim.x) {
    const Chunk chunk = set.chunks[c];
    const DeviceTensor tensor = set.tensors[chunk.tensor];
    long long changed = 0;
    bool nonfinite = false;
    for_dtype<D>(tensor.dtype, [&](auto type) {
      using E = decltype(type);
      ClampVisitor<E, kWrite> visitor(op.threshold);
      visit_chunk(static_cast<typename E::Storage*>(tensor.data) + chunk.offset, chunk.length, visitor);
      changed = visitor.changed;
      nonfinite = visitor.nonfinite;
    });
    changed = CountReduce(tmp.c).Sum(changed);
    const int chunk_nonfinite = __syncthreads_or(nonfinite);  // also frees tmp for the next chunk
    if (threadIdx.x == 0) {
      set.chunk_counts[c] = changed;
      set.chunk_flags[c] = chunk_nonfinite;
    }
  }
  if (!arrive_last(&set.control->value_ticket)) return;

  long long changed = 0;
  int nonfinite = 0;
  for (int64_t c = threadIdx.x; c < set.num_chunks; c += kBlockSize) {
    changed += __ldcg(set.chunk_counts + c);
    nonfinite |= __ldcg(set.chunk_flags + c);
  }
  changed = CountReduce(tmp.c).Sum(changed);
  nonfinite = __syncthreads_or(nonfinite);
  if (threadIdx.x != 0) return;

  // With PROPAGATE (kWrite) the clamp already happened, non-finite or not.
  const bool blocked = !kWrite && nonfinite != 0;
  gc_result r;
  r.total_norm = NAN;
  r.coefficient = 1.0;
  r.clipped_count = blocked ? 0 : changed;
  r.clipped = r.clipped_count > 0 ? 1 : 0;
  r.nonfinite = nonfinite != 0 ? 1 : 0;
  set.control->result = r;
  set.control->apply = !kWrite && r.clipped ? 1 : 0;
}

}  // namespace gc::cuda
