// AGC in three launches (launch_impl.cuh), with no host round trip between them:
//  1. agc_partial_kernel: every segment (units.cpp) writes, per unit it covers, the sums of squared
//     gradients and parameters of its elements, and whether any of them was NaN or infinite;
//  2. agc_unit_kernel: per unit, its slots added in segment order give g_u and p_u, hence coef_u; per
//     group of units, the sum of their gradient sums, the smallest coefficient and the units to write;
//     the last block adds each tensor's groups in order (tensor norms), the tensors (total norm), and
//     decides: write only when some unit needs it and, under ERROR/SKIP, nothing at all was non-finite;
//  3. agc_write_kernel: returns at once unless told to write; scales the units whose coef_u is not >= 1.
//
// Every partial has a fixed owner and fixed order: a segment's elements are visited in visit_span's
// order and reduced by a fixed block or warp tree, a unit's slots are added in segment order, a group's
// sums by cub's fixed tree, a tensor's groups in order. The block schedule changes none of it.
#pragma once
#include <cstdint>

#include "block.cuh"
#include "common/modes_math.hpp"
#include "common/numeric.hpp"
#include "device_types.hpp"
#include "elements.cuh"
#include "tally.cuh"
#include "tuning.hpp"
#include "visit.cuh"
#include "visitors.cuh"

namespace gc::cuda {

// Sum over aligned groups of `lanes` threads of a warp (a power of two <= 32): every lane gets its
// group's sum, by a fixed butterfly. All 32 lanes must call it, with the same `lanes`.
__device__ __forceinline__ double group_sum(double v, int lanes) {
  const int lane = static_cast<int>(threadIdx.x % kWarpSize);
  for (int offset = lanes / 2; offset > 0; offset /= 2) v += __shfl_sync(0xffffffffu, v, lane ^ offset);
  return v;
}

struct SumSquares {
  double sum = 0.0;
  bool nonfinite = false;
};

// This thread's share of the squares of p[0, len) walked by `threads` threads.
template <typename E>
__device__ __forceinline__ SumSquares span_squares(const typename E::Storage* p, int64_t len, int64_t tid,
                                                   int64_t threads) {
  NormVisitor<E, NormKind::kL2> visitor(2.0);
  // NormVisitor never asks for a store: the array is only read.
  visit_span(const_cast<typename E::Storage*>(p), len, visitor, tid, threads);
  return SumSquares{visitor.total(), visitor.nonfinite};
}

// The squares of column `col` of a row-major [rows, stride] array over rows begin, begin + step, ...
// (< end), in four interleaved chains combined in a fixed order, loads issued ahead of the math.
template <typename E>
__device__ __forceinline__ SumSquares column_squares(const typename E::Storage* p, int64_t stride, int64_t col,
                                                     int64_t begin, int64_t end, int64_t step) {
  using S = typename E::Storage;
  double acc[4] = {0.0, 0.0, 0.0, 0.0};
  bool nonfinite = false;
  int64_t r = begin;
  for (; r + 3 * step < end; r += 4 * step) {
    S v[4];
#pragma unroll
    for (int u = 0; u < 4; ++u) v[u] = __ldca(p + (r + u * step) * stride + col);
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      const double x = E::load(v[u]);
      nonfinite |= !isfinite(x);
      acc[u] = fma(x, x, acc[u]);
    }
  }
  for (; r < end; r += step) {
    const double x = E::load(__ldca(p + r * stride + col));
    nonfinite |= !isfinite(x);
    acc[0] = fma(x, x, acc[0]);
  }
  return SumSquares{((acc[0] + acc[1]) + acc[2]) + acc[3], nonfinite};
}

// Gradients (compiled for D) and parameters (any dtype, dispatched here) of one segment's piece: the
// same walk over both arrays, one after the other.
struct BothSums {
  double g = 0.0;
  double w = 0.0;
  bool nonfinite = false;
};

template <typename D, typename Walk>
__device__ __forceinline__ BothSums both_arrays(const DeviceTensor& t, const AgcTensor& a, Walk&& walk) {
  BothSums both;
  for_dtype<D>(t.dtype, [&](auto type) {
    using E = decltype(type);
    const SumSquares r = walk(type, static_cast<const typename E::Storage*>(t.data));
    both.g = r.sum;
    both.nonfinite = r.nonfinite;
  });
  dispatch_dtype(a.params_dtype, [&](auto type) {
    using E = decltype(type);
    const SumSquares r = walk(type, static_cast<const typename E::Storage*>(a.params));
    both.w = r.sum;
    both.nonfinite = both.nonfinite || r.nonfinite;
  });
  return both;
}

__device__ __forceinline__ void store_slot(const AgcView& agc, int64_t slot, double g, double w, int nonfinite) {
  agc.slot_g[slot] = g;
  agc.slot_w[slot] = w;
  agc.slot_flags[slot] = nonfinite;
}

// kAgcSplit: a piece of one unit, the whole block, one slot.
template <typename D>
__device__ void split_partial(const SetView& set, const AgcSegment& seg, const AgcTensor& a, ReduceStorage& tmp) {
  const DeviceTensor t = set.tensors[seg.tensor];
  const int64_t first = seg.unit0 * a.unit_len + seg.k0;
  const BothSums both = both_arrays<D>(t, a, [&](auto type, const auto* p) {
    return span_squares<decltype(type)>(p + first, seg.klen, threadIdx.x, kBlockSize);
  });
  const double g = DoubleReduce(tmp.d).Sum(both.g);
  __syncthreads();
  const double w = DoubleReduce(tmp.d).Sum(both.w);
  const int any = __syncthreads_or(both.nonfinite);  // also frees tmp for the next segment
  if (threadIdx.x == 0) store_slot(set.agc, a.first_slot + seg.unit0 * a.slots_per_unit + seg.slot, g, w, any);
}

// kAgcRows: `lanes` threads per unit, kBlockSize / lanes units at a time, one slot per unit.
template <typename D>
__device__ void rows_partial(const SetView& set, const AgcSegment& seg, const AgcTensor& a) {
  const DeviceTensor t = set.tensors[seg.tensor];
  const int lanes = a.lanes;
  const int64_t per_round = kBlockSize / lanes;
  const int64_t lane = threadIdx.x % lanes;
  // The same number of rounds in every thread: the group sums shuffle across the whole warp.
  for (int64_t r0 = 0; r0 < seg.units; r0 += per_round) {
    const int64_t r = r0 + threadIdx.x / lanes;
    const bool active = r < seg.units;
    BothSums both;
    if (active) {
      const int64_t first = (seg.unit0 + r) * a.unit_len;
      both = both_arrays<D>(t, a, [&](auto type, const auto* p) {
        return span_squares<decltype(type)>(p + first, a.unit_len, lane, lanes);
      });
    }
    const double g = group_sum(both.g, lanes);
    const double w = group_sum(both.w, lanes);
    const double bad = group_sum(both.nonfinite ? 1.0 : 0.0, lanes);
    if (active && lane == 0) store_slot(set.agc, a.first_slot + (seg.unit0 + r) * a.slots_per_unit, g, w, bad > 0.0);
  }
}

// Shared scratch of columns_partial: one value per thread, combined per column by the column's thread.
struct ColumnScratch {
  double g[kBlockSize];
  double w[kBlockSize];
  int nonfinite[kBlockSize];
};

// kAgcColumns: thread c + W * j takes column c of the tile, rows k0 + j, k0 + j + G, ...; adjacent
// threads read adjacent columns (coalesced). The G partials of a column are then added in j order.
template <typename D>
__device__ void columns_partial(const SetView& set, const AgcSegment& seg, const AgcTensor& a, ColumnScratch& scratch) {
  const DeviceTensor t = set.tensors[seg.tensor];
  const int64_t width = a.columns;
  const int64_t groups = a.row_groups;
  const int64_t c = threadIdx.x % width;
  const int64_t j = threadIdx.x / width;
  BothSums both;
  if (j < groups && c < seg.units) {
    const int64_t col = seg.unit0 + c;
    both = both_arrays<D>(t, a, [&](auto type, const auto* p) {
      return column_squares<decltype(type)>(p, a.units, col, seg.k0 + j, seg.k0 + seg.klen, groups);
    });
  }
  scratch.g[threadIdx.x] = both.g;
  scratch.w[threadIdx.x] = both.w;
  scratch.nonfinite[threadIdx.x] = both.nonfinite ? 1 : 0;
  __syncthreads();
  if (threadIdx.x < seg.units) {
    double gs = 0.0;
    double ws = 0.0;
    int any = 0;
    for (int64_t k = 0; k < groups; ++k) {
      gs += scratch.g[k * width + threadIdx.x];
      ws += scratch.w[k * width + threadIdx.x];
      any |= scratch.nonfinite[k * width + threadIdx.x];
    }
    store_slot(set.agc, a.first_slot + (seg.unit0 + threadIdx.x) * a.slots_per_unit + seg.slot, gs, ws, any);
  }
  __syncthreads();  // the next segment reuses the scratch
}

template <typename D>
__global__ void __launch_bounds__(kBlockSize, kMinBlocksPerSmHeavy) agc_partial_kernel(SetView set, OpArgs op) {
  __shared__ ReduceStorage tmp;
  __shared__ ColumnScratch scratch;
  (void)op;
  for (int64_t s = blockIdx.x; s < set.agc.num_segments; s += gridDim.x) {
    const AgcSegment seg = set.agc.segments[s];
    const AgcTensor a = set.agc.tensors[seg.tensor];
    if (a.kind == kAgcSplit) {
      split_partial<D>(set, seg, a, tmp);
    } else if (a.kind == kAgcRows) {
      rows_partial<D>(set, seg, a);
    } else {
      columns_partial<D>(set, seg, a, scratch);
    }
  }
}

// The last block of the unit launch: tensor norms, total norm, result and the write decision.
__device__ __forceinline__ void finish_agc(const SetView& set, const OpArgs& op, ReduceStorage& tmp) {
  const AgcView& agc = set.agc;
  const int64_t n = set.num_tensors;
  const int64_t per_thread = (n + kBlockSize - 1) / kBlockSize;
  const int64_t begin = static_cast<int64_t>(threadIdx.x) * per_thread < n ? threadIdx.x * per_thread : n;
  const int64_t end = begin + per_thread < n ? begin + per_thread : n;
  double total = 0.0;
  for (int64_t i = begin; i < end; ++i) {
    const AgcTensor a = agc.tensors[i];
    double s = 0.0;
    for (int64_t g = a.first_group; g < a.first_group + a.num_groups; ++g) s += __ldcg(agc.group_sums + g);
    set.tensor_norms[i] = sqrt(s);
    total += s;
  }
  total = DoubleReduce(tmp.d).Sum(total);
  __syncthreads();

  double min_coef = INFINITY;  // identity of nan_min; stays when every tensor is empty
  long long scaled = 0;
  int nonfinite = 0;
  for (int64_t g = threadIdx.x; g < agc.num_groups; g += kBlockSize) {
    min_coef = nan_min(min_coef, __ldcg(agc.group_mins + g));
    scaled += __ldcg(agc.group_counts + g);
    nonfinite |= __ldcg(agc.group_flags + g);
  }
  const Tally tally = block_tally(tmp, min_coef, scaled, nonfinite);
  if (threadIdx.x != 0) return;

  const gc_result r = tally_result(tally, op, sqrt(total));
  set.control->result = r;
  set.control->apply = r.clipped;
}

// One thread per unit of a group: its slots in segment order, then its coefficient.
template <typename D>
__global__ void __launch_bounds__(kBlockSize, min_blocks_per_sm<D>()) agc_unit_kernel(SetView set, OpArgs op) {
  __shared__ ReduceStorage tmp;
  const AgcView& agc = set.agc;
  for (int64_t gi = blockIdx.x; gi < agc.num_groups; gi += gridDim.x) {
    const UnitGroup group = agc.groups[gi];
    const AgcTensor a = agc.tensors[group.tensor];
    double g = 0.0;
    double coef = INFINITY;  // identity of nan_min for the threads without a unit
    long long scaled = 0;
    int nonfinite = 0;
    if (threadIdx.x < group.units && a.unit_len > 0) {  // units of an empty tensor take no part
      const int64_t u = group.unit0 + threadIdx.x;
      const int64_t first = a.first_slot + u * a.slots_per_unit;
      double w = 0.0;
      for (int64_t s = first; s < first + a.slots_per_unit; ++s) {
        g += agc.slot_g[s];
        w += agc.slot_w[s];
        nonfinite |= agc.slot_flags[s];
      }
      coef = gc::agc_coefficient(sqrt(g), sqrt(w), op.threshold, op.eps);
      agc.unit_coefs[a.first_unit + u] = coef;
      scaled = gc::must_scale(coef) ? 1 : 0;
    }
    g = DoubleReduce(tmp.d).Sum(g);
    __syncthreads();
    coef = DoubleReduce(tmp.d).Reduce(coef, NanMin{});
    __syncthreads();
    scaled = CountReduce(tmp.c).Sum(scaled);
    nonfinite = __syncthreads_or(nonfinite);  // also frees tmp for the next group
    if (threadIdx.x == 0) {
      agc.group_sums[gi] = g;
      agc.group_mins[gi] = coef;
      agc.group_counts[gi] = scaled;
      agc.group_flags[gi] = nonfinite;
    }
  }
  if (!arrive_last(&set.control->agc_ticket)) return;
  finish_agc(set, op, tmp);
}

// Scales the units of one segment whose coefficient asks for it; the segments are those of the partial
// launch, so each element is read by the same mapping that summed it.
template <typename D>
__global__ void __launch_bounds__(kBlockSize, min_blocks_per_sm<D>()) agc_write_kernel(SetView set, OpArgs op) {
  (void)op;
  // Written by the previous kernel on this stream, so a plain load sees it.
  if (set.control->apply == 0) return;
  const AgcView& agc = set.agc;
  for (int64_t s = blockIdx.x; s < agc.num_segments; s += gridDim.x) {
    const AgcSegment seg = agc.segments[s];
    const AgcTensor a = agc.tensors[seg.tensor];
    const DeviceTensor t = set.tensors[seg.tensor];
    for_dtype<D>(t.dtype, [&](auto type) {
      using E = decltype(type);
      auto* data = static_cast<typename E::Storage*>(t.data);
      const double* coefs = agc.unit_coefs + a.first_unit;
      if (a.kind == kAgcSplit) {
        ScaleVisitor<E> visitor{coefs[seg.unit0]};
        if (!gc::must_scale(visitor.coef)) return;  // block-uniform; no barriers in this kernel
        visit_span(data + seg.unit0 * a.unit_len + seg.k0, seg.klen, visitor, threadIdx.x, kBlockSize);
      } else if (a.kind == kAgcRows) {
        const int64_t lanes = a.lanes;
        for (int64_t r = threadIdx.x / lanes; r < seg.units; r += kBlockSize / lanes) {
          ScaleVisitor<E> visitor{coefs[seg.unit0 + r]};
          if (!gc::must_scale(visitor.coef)) continue;
          visit_span(data + (seg.unit0 + r) * a.unit_len, a.unit_len, visitor, threadIdx.x % lanes, lanes);
        }
      } else {
        const int64_t c = threadIdx.x % a.columns;
        const int64_t j = threadIdx.x / a.columns;
        if (j >= a.row_groups || c >= seg.units) return;
        const int64_t col = seg.unit0 + c;
        ScaleVisitor<E> visitor{coefs[col]};
        if (!gc::must_scale(visitor.coef)) return;
        for (int64_t r = seg.k0 + j; r < seg.k0 + seg.klen; r += a.row_groups) visit_one(data + r * a.units + col, visitor);
      }
    });
  }
}

}  // namespace gc::cuda
