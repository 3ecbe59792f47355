// Scalar arithmetic that every backend must do identically (docs/SEMANTICS.md): finishing a norm from
// its power sum, the coefficient rules, and rounding a scaled value back to the storage dtype.
// Header-only and usable from CUDA device code.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "gradclip.h"

#if defined(__CUDACC__)
#  define GC_HD __host__ __device__ __forceinline__
#else
#  define GC_HD inline
#endif

namespace gc {

GC_HD bool is_inf_norm(double p) { return p == INFINITY; }

// The norm from its power sum s (sum of |x|^p, or max |x| for p = inf).
GC_HD double finish_norm(double p, double s) {
  if (p == 2.0) return sqrt(s);
  if (p == 1.0 || is_inf_norm(p)) return s;
  return pow(s, 1.0 / p);
}

// One element's contribution |x|^p to a power sum (not used for p = inf).
GC_HD double power_term(double p, double x) {
  if (p == 2.0) return x * x;
  if (p == 1.0) return fabs(x);
  return pow(fabs(x), p);
}

// Combines two max-norm partials; NaN wins so a NaN anywhere makes the norm NaN.
GC_HD double max_combine(double a, double b) {
  if (a != a) return a;
  if (b != b) return b;
  return a > b ? a : b;
}

// Coefficient for norm n against threshold c; NaN when n is NaN.
GC_HD double coefficient(int32_t rule, double n, double c) {
  if (rule == GC_RULE_TORCH) {
    const double q = c / (n + GC_TORCH_EPS);
    return q < 1.0 ? q : (q != q ? q : 1.0);
  }
  return n > c ? c / n : (n != n ? n : 1.0);
}

// True when a coefficient requires writing: !(coef >= 1), so NaN is applied.
GC_HD bool must_scale(double coef) { return !(coef >= 1.0); }

GC_HD uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

GC_HD float bits_float(uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

GC_HD float bf16_to_float(uint16_t h) { return bits_float(static_cast<uint32_t>(h) << 16); }

// Round-to-nearest-even float -> bf16; NaN stays a quiet NaN with its sign.
GC_HD uint16_t float_to_bf16(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);
  const uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>((u + rounding) >> 16);
}

GC_HD float f16_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return bits_float(sign | 0x7f800000u | (mant << 13));  // inf / NaN
  if (exp != 0) return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
  if (mant == 0) return bits_float(sign);
  // Subnormal: value = mant * 2^-24, exact in float.
  const float mag = static_cast<float>(mant) * 5.9604644775390625e-8f;
  return bits_float(sign | float_bits(mag));
}

// Round-to-nearest-even float -> IEEE binary16 with subnormals; overflow gives inf; NaN stays quiet NaN.
GC_HD uint16_t float_to_f16(float f) {
  const uint32_t u = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((abs >> 13) & 0x3ffu));
  if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf
  if (abs < 0x38800000u) {  // below 2^-14: subnormal or zero
    if (abs < 0x33000000u) return sign;  // below 2^-25 rounds to 0 (2^-25 itself ties to even 0)
    const uint32_t e = abs >> 23;
    const uint32_t m = (abs & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126u - e;  // so that the result counts units of 2^-24
    uint32_t q = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (q & 1u))) ++q;
    return static_cast<uint16_t>(sign | q);
  }
  const uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

}  // namespace gc
