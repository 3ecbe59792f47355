// Pass 1 of NORM, GLOBAL, PER_TENSOR and BLOCK_RMS (and of PER_SAMPLE_*, over the pairs view of
// samples.cpp): one launch computes every chunk's partial, every tensor's norm, the total norm, the
// coefficient(s) and the non-finite flag, and leaves the decision for the write launch in DeviceControl.
//
// Order of every floating-point operation (what makes the norms bit-identical across runs):
//  1. chunk partial: each thread's elements in visit_chunk order, then cub::BlockReduce (fixed tree);
//  2. tensor sum: its chunk partials added strictly in chunk order, by one warp;
//  3. total: each thread of the last block adds a contiguous run of tensor sums in tensor order, then
//     cub::BlockReduce combines the threads' runs in a fixed tree.
// Which block computes a chunk, and which block finishes a tensor, changes nothing in these orders.
//
// Grid: a persistent grid (SMs x resident blocks) striding over the chunk table, not one block per
// chunk. Chunks are a fixed size, so a static round-robin balances as well as the hardware scheduler
// would; the completion tickets then count a grid's worth of blocks instead of up to millions of
// chunks; and the write launch's early exit (no clip) costs one wave of blocks whatever the set's size.
#pragma once
#include <cstdint>

#include "block.cuh"
#include "common/modes_math.hpp"
#include "common/numeric.hpp"
#include "device_types.hpp"
#include "elements.cuh"
#include "sample_finish.cuh"
#include "tally.cuh"
#include "tuning.hpp"
#include "visit.cuh"
#include "visitors.cuh"

namespace gc::cuda {

// Adds partials[begin, end) strictly in index order; called by all 32 lanes of one warp, every lane
// gets the sum (and the OR of flags[begin, end)). The lanes load windows of 32 x kFinishWindows
// partials (coalesced, the next window prefetched), then every lane walks the window through shuffles
// doing the same additions, so the one sequential chain runs at fp64-add latency.
template <NormKind K>
__device__ void warp_ordered_sum(const double* partials, const int32_t* flags, int64_t begin, int64_t end,
                                 double* sum, int* nonfinite) {
  constexpr int64_t kWindow = static_cast<int64_t>(kWarpSize) * kFinishWindows;
  const int64_t lane = threadIdx.x % kWarpSize;
  double s = 0.0;  // exact identity: 0 + p0 == p0 and max(0, p0) == p0 for the non-negative partials
  int any = 0;

  double cur[kFinishWindows];
#pragma unroll
  for (int w = 0; w < kFinishWindows; ++w) {
    const int64_t i = begin + w * kWarpSize + lane;
    cur[w] = i < end ? __ldcg(partials + i) : 0.0;
    any |= i < end ? __ldcg(flags + i) : 0;
  }
  for (int64_t base = begin; base < end; base += kWindow) {
    double next[kFinishWindows];
#pragma unroll
    for (int w = 0; w < kFinishWindows; ++w) {
      const int64_t i = base + kWindow + w * kWarpSize + lane;
      next[w] = i < end ? __ldcg(partials + i) : 0.0;
      any |= i < end ? __ldcg(flags + i) : 0;
    }
#pragma unroll
    for (int w = 0; w < kFinishWindows; ++w) {
      const int64_t left = end - (base + w * kWarpSize);  // the same in every lane
      const int count = left <= 0 ? 0 : (left >= kWarpSize ? kWarpSize : static_cast<int>(left));
#pragma unroll 8
      for (int j = 0; j < count; ++j) s = combine<K>(s, __shfl_sync(0xffffffffu, cur[w], j));
    }
#pragma unroll
    for (int w = 0; w < kFinishWindows; ++w) cur[w] = next[w];
  }
  *sum = s;
  *nonfinite = __any_sync(0xffffffffu, any);
}

// Thread 0, after its block reduced chunk c of tensor t: records the partial and returns true when
// this block must finish the tensor. A one-chunk tensor's partial is its sum. Otherwise the block that
// completes the tensor's last chunk (in time, whichever it is) finishes it.
__device__ __forceinline__ bool record_chunk(const SetView& set, int64_t c, int64_t t, const DeviceTensor& tensor,
                                             double partial, int nonfinite) {
  if (tensor.num_chunks == 1) {
    set.tensor_sums[t] = partial;
    set.tensor_flags[t] = nonfinite;
    return false;
  }
  set.chunk_partials[c] = partial;
  set.chunk_flags[c] = nonfinite;
  __threadfence();  // release: the partial is visible before the ticket says it is there
  const unsigned long long done = atomicAdd(set.tensor_tickets + t, 1ull);
  const bool finishes = done == static_cast<unsigned long long>(tensor.num_chunks - 1);
  if (finishes) __threadfence();  // acquire: the other blocks' partials of t, for the finishing warp
  return finishes;
}

// Warp 0 of the block that completed tensor t's last chunk: adds its partials in chunk order. Lane 0 is
// thread 0, which later takes the block's completion ticket, so its fence publishes the tensor sum too.
template <NormKind K>
__device__ void finish_tensor(const SetView& set, int64_t t, const DeviceTensor& tensor) {
  __threadfence();
  double s;
  int nonfinite;
  warp_ordered_sum<K>(set.chunk_partials, set.chunk_flags, tensor.first_chunk, tensor.first_chunk + tensor.num_chunks,
                      &s, &nonfinite);
  if (threadIdx.x == 0) {
    set.tensor_sums[t] = s;
    set.tensor_flags[t] = nonfinite;
    atomicExch(set.tensor_tickets + t, 0ull);  // every chunk of t has taken its ticket: ready for the next run
  }
}

// The last block of the launch: tensor norms, total norm, coefficients, result and write decision.
template <NormKind K>
__device__ void finish_op(const SetView& set, const OpArgs& op, ReduceStorage& tmp) {
  if constexpr (K == NormKind::kL2) {
    if (op.mode == GC_MODE_PER_SAMPLE_FLAT || op.mode == GC_MODE_PER_SAMPLE_LAYER) {
      finish_samples(set, op, tmp);
      return;
    }
  }
  const int64_t n = set.num_tensors;
  const int64_t per_thread = (n + kBlockSize - 1) / kBlockSize;
  const int64_t begin = static_cast<int64_t>(threadIdx.x) * per_thread < n ? threadIdx.x * per_thread : n;
  const int64_t end = begin + per_thread < n ? begin + per_thread : n;
  // BLOCK_RMS is PER_TENSOR with the rms in place of the norm (op.norm_type is 2 then).
  const bool rms = op.mode == GC_MODE_BLOCK_RMS;
  const bool per_tensor = op.mode == GC_MODE_PER_TENSOR || rms;

  double total = 0.0;
  int nonfinite = 0;
  double min_coef = INFINITY;  // identity of nan_min; n >= 1, so some thread replaces it
  long long scaled = 0;        // tensors whose coefficient asks for a write
  for (int64_t i = begin; i < end; ++i) {
    // Empty tensors were never written: their slots still hold the zeros of set creation.
    const double s = __ldcg(set.tensor_sums + i);
    nonfinite |= __ldcg(set.tensor_flags + i);
    total = combine<K>(total, s);
    const double norm = rms ? gc::block_rms(s, set.tensors[i].count) : gc::finish_norm(op.norm_type, s);
    set.tensor_norms[i] = norm;
    if (per_tensor) {
      const double coef = gc::coefficient(op.rule, norm, op.threshold);
      set.tensor_coefs[i] = coef;
      min_coef = nan_min(min_coef, coef);
      scaled += gc::must_scale(coef) ? 1 : 0;
    }
  }
  total = block_combine<K>(tmp, total);
  __syncthreads();
  const Tally tally = block_tally(tmp, min_coef, scaled, nonfinite);

  if (threadIdx.x != 0) return;
  const bool blocked = tally.nonfinite != 0 && op.nonfinite != GC_NONFINITE_PROPAGATE;
  gc_result r = tally_result(tally, op, gc::finish_norm(op.norm_type, total));  // PER_TENSOR, BLOCK_RMS
  int32_t apply = 0;
  if (op.mode == GC_MODE_GLOBAL) {
    r.coefficient = gc::coefficient(op.rule, r.total_norm, op.threshold);
    apply = !blocked && gc::must_scale(r.coefficient) ? 1 : 0;
    r.clipped_count = apply;
    r.clipped = apply;
  } else if (per_tensor) {
    apply = r.clipped;
  } else {  // NORM
    r.coefficient = 1.0;
    r.clipped_count = 0;
    r.clipped = 0;
  }
  set.control->result = r;
  set.control->apply = apply;
}

template <typename D, NormKind K>
__global__ void __launch_bounds__(kBlockSize, min_blocks_per_sm<D>()) norm_kernel(SetView set, OpArgs op) {
  __shared__ ReduceStorage tmp;
  __shared__ int finishes;
  for (int64_t c = blockIdx.x; c < set.num_chunks; c += gridDim.x) {
    const Chunk chunk = set.chunks[c];
    const DeviceTensor tensor = set.tensors[chunk.tensor];
    double partial = 0.0;
    bool nonfinite = false;
    for_dtype<D>(tensor.dtype, [&](auto type) {
      using E = decltype(type);
      NormVisitor<E, K> visitor(op.norm_type);
      visit_chunk(static_cast<typename E::Storage*>(tensor.data) + chunk.offset, chunk.length, visitor);
      partial = visitor.total();
      nonfinite = visitor.nonfinite;
    });
    partial = block_combine<K>(tmp, partial);
    // Also the barrier that lets the next chunk reuse tmp, and that orders `finishes` below.
    const int chunk_nonfinite = __syncthreads_or(nonfinite);
    if (threadIdx.x == 0) finishes = record_chunk(set, c, chunk.tensor, tensor, partial, chunk_nonfinite) ? 1 : 0;
    __syncthreads();
    // Warp 0 finishes the tensor while the other warps start the next chunk; they meet again at that
    // chunk's block reduction.
    if (finishes && threadIdx.x < kWarpSize) finish_tensor<K>(set, chunk.tensor, tensor);
  }
  if (!arrive_last(&set.control->norm_ticket)) return;
  finish_op<K>(set, op, tmp);
}

}  // namespace gc::cuda
