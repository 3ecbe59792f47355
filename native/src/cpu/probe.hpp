// Bandwidth probes behind gc_cpu_probe_read / gc_cpu_probe_copy (see probe.cpp).
#pragma once
#include <cstdint>

#include "cpu/pool.hpp"

namespace gc::cpu {

// Reads every byte once, spread over the pool; returns the sum of the 64-bit words (so no compiler can
// drop the loads).
uint64_t probe_read(Pool& pool, const void* data, int64_t bytes);
// memcpy of bytes, spread over the pool in blocks.
void probe_copy(Pool& pool, void* dst, const void* src, int64_t bytes);

}  // namespace gc::cpu
