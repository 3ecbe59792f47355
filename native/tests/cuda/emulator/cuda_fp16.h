// Emulation stand-in for cuda_fp16.h: only what gradclip's kernels use.
#pragma once
#include <cstdint>

#include "common/numeric.hpp"

struct __half {
  uint16_t bits;
};
inline __half __ushort_as_half(uint16_t bits) { return __half{bits}; }
// The hardware conversion is exact, as is the shared software one.
inline float __half2float(__half h) { return gc::f16_to_float(h.bits); }
