// Block-level building blocks: CUB reductions and the "last block to finish" handshake.
//
// Why these are deterministic: cub::BlockReduce combines values in a fixed tree for a fixed block size
// (warp shuffles, then thread 0 adds the warp totals in warp order), and every caller feeds it values
// whose thread assignment depends only on the set. No floating-point atomics anywhere: the only atomics
// are the integer completion tickets below.
#pragma once
#include <cub/block/block_reduce.cuh>

#include "common/numeric.hpp"
#include "device_types.hpp"
#include "tuning.hpp"
#include "visitors.cuh"

namespace gc::cuda {

using DoubleReduce = cub::BlockReduce<double, kBlockSize>;
using CountReduce = cub::BlockReduce<long long, kBlockSize>;

// Shared scratch of one reduction at a time; callers separate reuses with a barrier.
union ReduceStorage {
  typename DoubleReduce::TempStorage d;
  typename CountReduce::TempStorage c;
};

struct MaxCombine {
  __device__ __forceinline__ double operator()(double a, double b) const { return gc::max_combine(a, b); }
};

// The smaller of two coefficients; NaN wins, so one NaN coefficient makes the minimum NaN.
__device__ __forceinline__ double nan_min(double a, double b) {
  if (a != a) return a;
  if (b != b) return b;
  return b < a ? b : a;
}

struct NanMin {
  __device__ __forceinline__ double operator()(double a, double b) const { return nan_min(a, b); }
};

// Block-wide combination of per-thread partials; the result is valid in thread 0 only.
template <NormKind K>
__device__ __forceinline__ double block_combine(ReduceStorage& tmp, double v) {
  if constexpr (K == NormKind::kInf) {
    return DoubleReduce(tmp.d).Reduce(v, MaxCombine{});
  } else {
    return DoubleReduce(tmp.d).Sum(v);
  }
}

// Called by every thread of every block once its work is done. Returns true, in all threads of exactly
// one block, for the last block to arrive; that block may then read what every other block wrote.
//
// Ordering: each block's results were stored by its thread 0, which fences (release) before taking a
// ticket; the last block fences again after the barrier (acquire) before reading, and reads other
// blocks' slots with __ldcg (L2), never through its non-coherent L1. The last block resets the counter,
// so the next launch on the stream starts from 0 with nothing copied from the host.
__device__ __forceinline__ bool arrive_last(unsigned int* ticket) {
  __shared__ int last;
  if (threadIdx.x == 0) {
    __threadfence();
    const unsigned int arrived = atomicAdd(ticket, 1u);
    last = arrived == gridDim.x - 1;
    if (last) {
      atomicExch(ticket, 0u);
      __threadfence();
    }
  }
  __syncthreads();
  const bool is_last = last != 0;
  if (is_last) __threadfence();
  return is_last;
}

}  // namespace gc::cuda
