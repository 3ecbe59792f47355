// The host double-precision reference of docs/SEMANTICS.md that the CUDA parity test compares with:
// plain loops, no chunks, no parallelism. Rounding helpers come from common/numeric.hpp, which defines
// the arithmetic every backend must match bit for bit.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/numeric.hpp"
#include "gradclip.h"

namespace gctest {

inline int dtype_size(int32_t dtype) {
  switch (dtype) {
    case GC_DTYPE_F32: return 4;
    case GC_DTYPE_F64: return 8;
    default: return 2;
  }
}

inline const char* dtype_name(int32_t dtype) {
  switch (dtype) {
    case GC_DTYPE_F32: return "f32";
    case GC_DTYPE_F64: return "f64";
    case GC_DTYPE_BF16: return "bf16";
    default: return "f16";
  }
}

// Element i of a tensor stored at p, widened exactly to double.
inline double load(int32_t dtype, const uint8_t* p, int64_t i) {
  switch (dtype) {
    case GC_DTYPE_F32: {
      float f;
      std::memcpy(&f, p + i * 4, 4);
      return f;
    }
    case GC_DTYPE_F64: {
      double d;
      std::memcpy(&d, p + i * 8, 8);
      return d;
    }
    default: {
      uint16_t h;
      std::memcpy(&h, p + i * 2, 2);
      return dtype == GC_DTYPE_BF16 ? gc::bf16_to_float(h) : gc::f16_to_float(h);
    }
  }
}

// Stores y into element i with the dtype's rounding (SEMANTICS.md, "Scaling arithmetic").
inline void store(int32_t dtype, uint8_t* p, int64_t i, double y) {
  switch (dtype) {
    case GC_DTYPE_F32: {
      const float f = static_cast<float>(y);
      std::memcpy(p + i * 4, &f, 4);
      break;
    }
    case GC_DTYPE_F64:
      std::memcpy(p + i * 8, &y, 8);
      break;
    default: {
      const float f = static_cast<float>(y);
      const uint16_t h = dtype == GC_DTYPE_BF16 ? gc::float_to_bf16(f) : gc::float_to_f16(f);
      std::memcpy(p + i * 2, &h, 2);
      break;
    }
  }
}

// Power sum of one tensor (max |x| for p = inf, NaN if any x is NaN).
inline double power_sum(int32_t dtype, const uint8_t* p, int64_t count, double norm_type) {
  double s = 0.0;
  for (int64_t i = 0; i < count; ++i) {
    const double x = load(dtype, p, i);
    s = std::isinf(norm_type) ? gc::max_combine(s, std::fabs(x)) : s + gc::power_term(norm_type, x);
  }
  return s;
}

inline bool any_nonfinite(int32_t dtype, const uint8_t* p, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(load(dtype, p, i))) return true;
  }
  return false;
}

// NaN-propagating minimum, as SEMANTICS.md's PER_TENSOR coefficient.
inline double nan_min(double a, double b) {
  if (std::isnan(a)) return a;
  if (std::isnan(b)) return b;
  return b < a ? b : a;
}

// Same value: bit-identical, or both NaN.
inline bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  uint64_t ua;
  uint64_t ub;
  std::memcpy(&ua, &a, 8);
  std::memcpy(&ub, &b, 8);
  return ua == ub;
}

// gpu agrees with the reference within a relative tolerance (exactly for infinities and NaN).
inline bool close(double gpu, double ref, double rel) {
  if (std::isnan(gpu) || std::isnan(ref)) return std::isnan(gpu) && std::isnan(ref);
  if (std::isinf(gpu) || std::isinf(ref)) return gpu == ref;
  return std::fabs(gpu - ref) <= rel * std::fabs(ref);
}

}  // namespace gctest
