// The end of every finishing block that decides per tensor, unit or sample: each thread's smallest
// coefficient, write count and non-finite flag reduced over the block, and the gc_result they give.
#pragma once
#include "block.cuh"
#include "device_types.hpp"
#include "gradclip.h"

namespace gc::cuda {

struct Tally {
  double min_coef;   // NaN if any coefficient was NaN; INFINITY when no thread had one
  long long scaled;  // coefficients that ask for a write
  int nonfinite;     // on every thread
};

// Called by every thread of the block; min_coef and scaled are valid on thread 0. Ends with a barrier
// (__syncthreads_or), so tmp is free again afterwards.
__device__ __forceinline__ Tally block_tally(ReduceStorage& tmp, double min_coef, long long scaled, int nonfinite) {
  Tally t;
  t.min_coef = DoubleReduce(tmp.d).Reduce(min_coef, NanMin{});
  __syncthreads();
  t.scaled = CountReduce(tmp.c).Sum(scaled);
  t.nonfinite = __syncthreads_or(nonfinite);
  return t;
}

// docs/SEMANTICS.md: coefficient = the smallest (1 with none), clipped_count = the writes asked for, or
// 0 when a non-finite input under ERROR/SKIP blocks every write.
__device__ __forceinline__ gc_result tally_result(const Tally& t, const OpArgs& op, double total_norm) {
  const bool blocked = t.nonfinite != 0 && op.nonfinite != GC_NONFINITE_PROPAGATE;
  gc_result r;
  r.total_norm = total_norm;
  r.coefficient = t.min_coef == INFINITY ? 1.0 : t.min_coef;
  r.clipped_count = blocked ? 0 : t.scaled;
  r.clipped = r.clipped_count > 0 ? 1 : 0;
  r.nonfinite = t.nonfinite != 0 ? 1 : 0;
  return r;
}

}  // namespace gc::cuda
