// Storage types: how one stored element is widened to fp64 and how an fp64 value is stored back, with
// the rounding of docs/SEMANTICS.md. Every kernel goes through these, so each rule lives in one place.
#pragma once
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "common/numeric.hpp"
#include "gradclip.h"
#include "tuning.hpp"

namespace gc::cuda {

struct F32 {
  using Storage = float;
  static __device__ __forceinline__ double load(float x) { return x; }
  // A C cast from double to float is cvt.rn: round to nearest even, subnormals kept (no -ftz here).
  static __device__ __forceinline__ float store(double y) { return static_cast<float>(y); }
};

struct F64 {
  using Storage = double;
  static __device__ __forceinline__ double load(double x) { return x; }
  static __device__ __forceinline__ double store(double y) { return y; }
};

struct Bf16 {
  using Storage = uint16_t;
  static __device__ __forceinline__ double load(uint16_t h) { return gc::bf16_to_float(h); }
  // Through float first, as SEMANTICS.md says; the shared helper is the one the CPU library uses.
  static __device__ __forceinline__ uint16_t store(double y) { return gc::float_to_bf16(static_cast<float>(y)); }
};

struct F16 {
  using Storage = uint16_t;
  // The hardware conversion is exact for every binary16 value. It may canonicalize a NaN's payload,
  // which is harmless: a NaN element is never stored back (scaling and clamping both leave it as is).
  static __device__ __forceinline__ double load(uint16_t h) { return __half2float(__ushort_as_half(h)); }
  static __device__ __forceinline__ uint16_t store(double y) { return gc::float_to_f16(static_cast<float>(y)); }
};

// Calls f(Type{}) with the storage type of dtype. Every dtype was validated when the set was created,
// so the default branch cannot be reached.
template <typename F>
__device__ __forceinline__ void dispatch_dtype(int32_t dtype, F&& f) {
  switch (dtype) {
    case GC_DTYPE_F32: f(F32{}); break;
    case GC_DTYPE_F64: f(F64{}); break;
    case GC_DTYPE_BF16: f(Bf16{}); break;
    case GC_DTYPE_F16: f(F16{}); break;
    default: break;
  }
}

// Kernels are compiled once per storage type, for sets whose chunks all have that dtype (the usual
// case), and once with AnyDtype, for sets that mix dtypes, which switches per chunk. The split is
// about registers: with all four element loops in one kernel, ptxas allocates for their union
// (~120 registers instead of <= 48), halving occupancy for everyone.
struct AnyDtype {};

// Calls f(Type{}) with the storage type of a chunk of dtype, for a kernel compiled for D.
template <typename D, typename F>
__device__ __forceinline__ void for_dtype(int32_t dtype, F&& f) {
  if constexpr (std::is_same_v<D, AnyDtype>) {
    dispatch_dtype(dtype, f);
  } else {
    f(D{});
  }
}

// __launch_bounds__ minimum of resident blocks for kernels compiled for D.
template <typename D>
constexpr int min_blocks_per_sm() {
  return std::is_same_v<D, AnyDtype> ? kMinBlocksPerSmMixed : kMinBlocksPerSm;
}

}  // namespace gc::cuda
