// PER_SAMPLE_* pass 1 ends here: the norm launch ran over the pairs view (samples.cpp), so its tensor
// slots hold s_{b,i} at b * n + i; its last block turns them into norms, coefficients, the result and
// the write decision of pass 2 (docs/SEMANTICS.md, "Per-sample clipping").
#pragma once
#include <cstdint>

#include "block.cuh"
#include "common/numeric.hpp"
#include "device_types.hpp"
#include "tally.cuh"
#include "tuning.hpp"

namespace gc::cuda {

// Called by every thread of the last block of the norm launch.
//  FLAT: n_b = sqrt(sum over i of s_{b,i}, in tensor order), coef_{b,i} = coef(n_b); norms[b] = n_b.
//  LAYER: n_{b,i} = sqrt(s_{b,i}), coef_{b,i} = coef(n_{b,i}); norms[b * n + i] = n_{b,i}.
// Either way coefs[b * n + i] = coef_{b,i}, which pass 2 reads.
__device__ __forceinline__ void finish_samples(const SetView& set, const OpArgs& op, ReduceStorage& tmp) {
  const int64_t n = set.samples.tensors;
  const bool flat = op.mode == GC_MODE_PER_SAMPLE_FLAT;
  const int64_t items = flat ? set.samples.batch : set.num_tensors;
  const int64_t per_thread = (items + kBlockSize - 1) / kBlockSize;
  const int64_t begin = static_cast<int64_t>(threadIdx.x) * per_thread < items ? threadIdx.x * per_thread : items;
  const int64_t end = begin + per_thread < items ? begin + per_thread : items;

  double largest = 0.0;        // identity of max_combine over norms (>= 0 or NaN)
  double min_coef = INFINITY;  // identity of nan_min; batch >= 1, so some thread replaces it
  long long scaled = 0;
  int nonfinite = 0;
  for (int64_t item = begin; item < end; ++item) {
    // Empty pairs were never written: their slots still hold the zeros of the attachment.
    double s = 0.0;
    const int64_t first = flat ? item * n : item;
    const int64_t last = flat ? first + n : item + 1;
    for (int64_t p = first; p < last; ++p) {
      s += __ldcg(set.tensor_sums + p);
      nonfinite |= __ldcg(set.tensor_flags + p);
    }
    const double norm = sqrt(s);
    const double coef = gc::coefficient(op.rule, norm, op.threshold);
    set.tensor_norms[item] = norm;
    for (int64_t p = first; p < last; ++p) set.tensor_coefs[p] = coef;
    largest = gc::max_combine(largest, norm);
    min_coef = nan_min(min_coef, coef);
    scaled += gc::must_scale(coef) ? 1 : 0;
  }
  largest = DoubleReduce(tmp.d).Reduce(largest, MaxCombine{});
  __syncthreads();
  const Tally tally = block_tally(tmp, min_coef, scaled, nonfinite);
  if (threadIdx.x != 0) return;

  // The outputs are written whenever they may be: every sample contributes, clipped or not.
  const bool blocked = tally.nonfinite != 0 && op.nonfinite != GC_NONFINITE_PROPAGATE;
  set.control->result = tally_result(tally, op, largest);
  set.control->apply = blocked ? 0 : 1;
}

}  // namespace gc::cuda
