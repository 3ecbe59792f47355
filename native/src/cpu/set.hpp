// A gradient set: the caller's tensors, their chunk table, and every buffer a run needs, sized once
// here so that a run allocates nothing.
#pragma once
#include <cstdint>
#include <vector>

#include "common/chunks.hpp"
#include "cpu/agc.hpp"
#include "cpu/kernels.hpp"
#include "cpu/per_sample.hpp"
#include "gradclip.h"

struct gc_cpu_set {
  std::vector<gc_tensor> tensors;
  gc::ChunkTable table;
  int64_t chunk_elems = 0;                // as resolved when created (0 became the default)
  int64_t elements = 0;                   // over all tensors (saturates at INT64_MAX)
  std::vector<gc::cpu::Partial> partials;  // one slot per chunk, written by whichever thread runs it
  std::vector<double> tensor_sums;         // per tensor: power sum, then its norm
  std::vector<double> coefs;               // per tensor: the coefficient its chunks are scaled by
  gc::cpu::AgcPlan agc;                    // gc_cpu_set_units
  gc::cpu::SamplesPlan samples;            // gc_cpu_set_samples
};

namespace gc::cpu {

// Checks the tensors (docs/SEMANTICS.md) and chunk_elems, then builds the set. May throw std::bad_alloc.
int create_set(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cpu_set** out);

}  // namespace gc::cpu
