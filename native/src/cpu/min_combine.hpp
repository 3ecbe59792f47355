// The smallest coefficient of a result, shared by every mode that reports one.
#pragma once

namespace gc::cpu {

// The smaller of two coefficients; NaN wins (Java's Numerics.minCombine).
inline double min_combine(double a, double b) {
  if (a != a) return a;
  if (b != b) return b;
  return a < b ? a : b;
}

}  // namespace gc::cpu
