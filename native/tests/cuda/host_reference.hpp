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

// ---------------------------------------------------------------- the modes of ABI v2, from SEMANTICS.md's
// text (not from common/modes_math.hpp, which the library uses: the test must not share its bugs).

// Block RMS: sqrt(s / count), 0 for an empty tensor.
inline double rms(double sum_squares, int64_t count) {
  return count == 0 ? 0.0 : std::sqrt(sum_squares / static_cast<double>(count));
}

// AGC: m = lambda * max(p, eps) (NaN when p is NaN); 1 when g < m, else m / max(g, 1e-6) (NaN when g is).
inline double agc_coefficient(double g, double p, double lambda, double eps) {
  const double floor_p = std::isnan(p) ? p : (p > eps ? p : eps);
  const double m = lambda * floor_p;
  if (g < m) return 1.0;
  const double floor_g = std::isnan(g) ? g : (g > 1e-6 ? g : 1e-6);
  return m / floor_g;
}

// Element r of unit u (0 <= r < K) of a tensor with `units` units of K elements in `layout`.
inline int64_t unit_element(int32_t layout, int64_t units, int64_t k, int64_t u, int64_t r) {
  return layout == GC_UNITS_COLUMNS ? r * units + u : u * k + r;
}

// The counter-based noise of SEMANTICS.md, "Per-sample clipping", step 4.
inline uint64_t noise_mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline double noise(uint64_t seed, uint64_t tensor, uint64_t j) {
  const uint64_t key = noise_mix(seed ^ noise_mix(tensor));
  const double u1 = static_cast<double>((noise_mix(key + 2 * j) >> 11) + 1) * std::ldexp(1.0, -53);
  const double u2 = static_cast<double>(noise_mix(key + 2 * j + 1) >> 11) * std::ldexp(1.0, -53);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// Largest of norms that are >= 0, NaN if any is NaN.
inline double nan_max(double a, double b) {
  if (std::isnan(a)) return a;
  if (std::isnan(b)) return b;
  return b > a ? b : a;
}

// got is want up to rounding: within one unit in the last place of the dtype, plus `rel` relative and
// `abs` absolute slack (NaN matches NaN, infinities must be equal). For values computed from a
// coefficient the reference can only approximate (AGC), or from the device's own log and cos (noise).
inline bool near_in_dtype(int32_t dtype, double got, double want, double rel, double abs) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  if (std::isinf(got) || std::isinf(want)) return got == want;
  double ulp = 0x1p-52;
  double smallest = 0x1p-1074;
  switch (dtype) {
    case GC_DTYPE_F32: ulp = 0x1p-23; smallest = 0x1p-149; break;
    case GC_DTYPE_BF16: ulp = 0x1p-7; smallest = 0x1p-133; break;
    case GC_DTYPE_F16: ulp = 0x1p-10; smallest = 0x1p-24; break;
    default: break;
  }
  const double mag = std::fabs(got) > std::fabs(want) ? std::fabs(got) : std::fabs(want);
  return std::fabs(got - want) <= (ulp + rel) * mag + smallest + abs;
}

}  // namespace gctest
