// The per-element work of each kernel, as visitors for visit_chunk: one template per job, parameterized
// by the storage type E (elements.cuh) and, for norms, by the norm kind, so no job is written per dtype.
#pragma once
#include <cstdint>

#include "common/numeric.hpp"
#include "device_types.hpp"
#include "visit.cuh"

namespace gc::cuda {

// Adds one element's contribution to a power sum (a running max for the inf-norm).
template <NormKind K>
__device__ __forceinline__ double accumulate(double acc, double x, double p) {
  if constexpr (K == NormKind::kL1) {
    return acc + fabs(x);
  } else if constexpr (K == NormKind::kL2) {
    return fma(x, x, acc);
  } else if constexpr (K == NormKind::kInf) {
    return gc::max_combine(acc, fabs(x));  // NaN wins, unlike fmax
  } else {
    return acc + pow(fabs(x), p);
  }
}

// Combines two partials of the same kind.
template <NormKind K>
__device__ __forceinline__ double combine(double a, double b) {
  if constexpr (K == NormKind::kInf) {
    return gc::max_combine(a, b);
  } else {
    return a + b;
  }
}

// Power sum of one thread's elements, and whether any was NaN or infinite.
template <typename E, NormKind K>
struct NormVisitor {
  using S = typename E::Storage;
  // Independent add chains per thread: 4 hide the fp64 add latency behind the 4 loads in flight;
  // one per lane of a 16-bit vector (8) would cost 8 more registers for nothing.
  static constexpr int kChains = Vector<S>::kLanes < 4 ? Vector<S>::kLanes : 4;

  double p;
  double acc[kChains] = {};  // lane j of a vector goes to chain j % kChains
  bool nonfinite = false;

  __device__ explicit NormVisitor(double norm_type) : p(norm_type) {}

  template <int N>
  __device__ __forceinline__ bool visit(S (&values)[N]) {
#pragma unroll
    for (int j = 0; j < N; ++j) {
      const double x = E::load(values[j]);
      nonfinite |= !isfinite(x);
      acc[j % kChains] = accumulate<K>(acc[j % kChains], x, p);
    }
    return false;
  }

  __device__ __forceinline__ double total() const {
    double t = acc[0];
#pragma unroll
    for (int j = 1; j < kChains; ++j) t = combine<K>(t, acc[j]);
    return t;
  }
};

// y = x * coef, stored with the dtype's rounding. A NaN element is left untouched: x * coef is NaN
// anyway, and keeping its bits keeps its sign and payload exactly.
template <typename E>
struct ScaleVisitor {
  using S = typename E::Storage;
  double coef;

  template <int N>
  __device__ __forceinline__ bool visit(S (&values)[N]) {
#pragma unroll
    for (int j = 0; j < N; ++j) {
      const double x = E::load(values[j]);
      if (!isnan(x)) values[j] = E::store(x * coef);
    }
    return true;
  }
};

// Clamps to [-limit, limit] (so +-inf become +-limit, NaN stays), counts the elements it clamps and
// notes non-finite input. kWrite = false only counts: the first launch of VALUE with ERROR/SKIP.
template <typename E, bool kWrite>
struct ClampVisitor {
  using S = typename E::Storage;
  double limit;
  S high;  // +limit and -limit with the dtype's rounding, computed once per chunk
  S low;
  long long changed = 0;
  bool nonfinite = false;

  __device__ explicit ClampVisitor(double v) : limit(v), high(E::store(v)), low(E::store(-v)) {}

  template <int N>
  __device__ __forceinline__ bool visit(S (&values)[N]) {
    bool dirty = false;
#pragma unroll
    for (int j = 0; j < N; ++j) {
      const double x = E::load(values[j]);
      nonfinite |= !isfinite(x);
      if (x > limit) {
        values[j] = high;
        ++changed;
        dirty = true;
      } else if (x < -limit) {
        values[j] = low;
        ++changed;
        dirty = true;
      }
    }
    // Only vectors with a clamped lane are stored: a clip that changes little writes little.
    return kWrite && dirty;
  }
};

}  // namespace gc::cuda
