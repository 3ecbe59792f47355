// Scalar arithmetic of the modes beyond norm clipping (docs/SEMANTICS.md: block RMS, AGC, per-sample
// clipping and its noise), shared by the CPU and CUDA backends so that both compute it identically. The
// CPU computes the noise's ln and cos with its own vectorized code (cpu/noise_loops.hpp); noise_normal
// is what CUDA runs and what the CPU tests check that code against.
// Header-only and usable from CUDA device code.
#pragma once
#include <cmath>
#include <cstdint>

#include "common/numeric.hpp"

namespace gc {

// RMS of a tensor from its sum of squares; 0 for an empty tensor.
GC_HD double block_rms(double sum_squares, int64_t count) {
  return count == 0 ? 0.0 : sqrt(sum_squares / static_cast<double>(count));
}

// AGC's divisor floor for the gradient norm: Optax's and timm's 1e-6.
constexpr double kAgcDivEps = 1e-6;

// max() that returns NaN when a is NaN, as jnp.maximum and torch.clamp(min=) do.
GC_HD double nan_max(double a, double b) { return a != a ? a : (a > b ? a : b); }

// AGC coefficient of a unit from its gradient norm g and parameter norm p: 1 when g < lambda*max(p, eps),
// otherwise lambda*max(p, eps) / max(g, 1e-6); NaN when either norm is NaN.
GC_HD double agc_coefficient(double g, double p, double lambda, double eps) {
  const double max_norm = lambda * nan_max(p, eps);
  if (g < max_norm) return 1.0;
  return max_norm / nan_max(g, kAgcDivEps);
}

// SplitMix64's finalizer: the counter-based generator of the DP noise.
GC_HD uint64_t noise_mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Key of output tensor i's noise stream for one seed.
GC_HD uint64_t noise_key(uint64_t seed, uint64_t tensor) { return noise_mix(seed ^ noise_mix(tensor)); }

// Standard normal for element j of the stream with key `key` (Box-Muller on two 53-bit uniforms).
GC_HD double noise_normal(uint64_t key, uint64_t j) {
  constexpr double kTwoPow53Inv = 1.0 / 9007199254740992.0;
  constexpr double kTwoPi = 6.283185307179586;
  const double u1 = static_cast<double>((noise_mix(key + 2 * j) >> 11) + 1) * kTwoPow53Inv;
  const double u2 = static_cast<double>(noise_mix(key + 2 * j + 1) >> 11) * kTwoPow53Inv;
  return sqrt(-2.0 * log(u1)) * cos(kTwoPi * u2);
}

}  // namespace gc
