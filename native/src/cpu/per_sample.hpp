// Per-sample clipping with aggregation and noise (GC_MODE_PER_SAMPLE_FLAT / _LAYER, docs/SEMANTICS.md):
// the attached batch and outputs, their tables, and the run.
#pragma once
#include <cstdint>
#include <vector>

#include "common/chunks.hpp"
#include "cpu/pool.hpp"
#include "cpu/unit_table.hpp"
#include "gradclip.h"

struct gc_cpu_set;

namespace gc::cpu {

struct SamplesPlan {
  bool attached = false;
  int64_t batch = 0;
  std::vector<gc_tensor> outputs;
  UnitTable table;              // unit b of tensor i: sample b's slice
  UnitSums sums;
  std::vector<double> coefs;    // coef_{b,i} at i * batch + b: one tensor's batch coefficients together
  std::vector<double> norms;    // FLAT: n_b; LAYER: n_{b,i} at b * n + i
  std::vector<Chunk> output_pieces;  // the aggregation's tasks
};

// batch and outputs: already checked against the set (validate_samples). Replaces an earlier attachment
// only once the new one is built. Throws std::bad_alloc.
void attach_samples(gc_cpu_set& set, int64_t batch, const gc_tensor* outputs);

// The op is PER_SAMPLE_* and samples are attached (checked by the caller).
void run_per_sample(Pool& pool, gc_cpu_set& set, const gc_op& op, double* tensor_norms, gc_result* result);

}  // namespace gc::cpu
