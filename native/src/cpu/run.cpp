#include "cpu/run.hpp"

#include <cmath>
#include <cstdint>

#include "common/modes_math.hpp"
#include "common/numeric.hpp"
#include "cpu/agc.hpp"
#include "cpu/dispatch.hpp"
#include "cpu/min_combine.hpp"
#include "cpu/per_sample.hpp"
#include "cpu/tasks.hpp"

namespace gc::cpu {
namespace {

class Runner {
 public:
  Runner(Pool& pool, gc_cpu_set& set) : kernels_(kernels(current_isa())), pool_(pool), set_(set) {}

  // Pass 1 (read-only): every chunk's power sum, then set_.tensor_sums[i] from tensor i's chunks in
  // chunk order, and the total from the tensor sums in tensor order. Returns true when an element was
  // non-finite.
  bool norms(double p, double* total) {
    const NormKind kind = norm_kind(p);
    for_each_chunk([&](const gc_tensor& t, const Chunk& c, Partial& out) {
      out = kernels_.norm[t.dtype][kind](t.data, c.offset, c.length, p);
    });
    const auto combine = [kind](double a, double b) { return kind == kNormInf ? max_combine(a, b) : a + b; };
    bool nonfinite = false;
    double sum_all = 0.0;
    for (size_t i = 0; i < set_.tensors.size(); ++i) {
      double s = 0.0;
      for (int64_t c = set_.table.first_chunk[i]; c < set_.table.first_chunk[i + 1]; ++c) {
        s = combine(s, set_.partials[c].sum);
        nonfinite |= set_.partials[c].nonfinite;
      }
      set_.tensor_sums[i] = s;
      sum_all = combine(sum_all, s);
    }
    *total = sum_all;
    return nonfinite;
  }

  // Pass 2: multiplies tensor i by set_.coefs[i] where that coefficient asks for it.
  void scale() {
    for_each_chunk([&](const gc_tensor& t, const Chunk& c, Partial&) {
      const double coef = set_.coefs[c.tensor];
      if (must_scale(coef)) kernels_.scale[t.dtype](t.data, c.offset, c.length, coef);
    });
  }

  // SCALE: every element times coef, in one pass.
  void scale_all(double coef) {
    for_each_chunk([&](const gc_tensor& t, const Chunk& c, Partial&) {
      kernels_.scale[t.dtype](t.data, c.offset, c.length, coef);
    });
  }

  // Read-only: true when an element is NaN or infinite. The max-norm kernel sees that for free.
  bool any_nonfinite() {
    for_each_chunk([&](const gc_tensor& t, const Chunk& c, Partial& out) {
      out = kernels_.norm[t.dtype][kNormInf](t.data, c.offset, c.length, INFINITY);
    });
    for (const Partial& part : set_.partials)
      if (part.nonfinite) return true;
    return false;
  }

  // VALUE: clamps every element to [-v, v]; returns the number changed, sets *nonfinite.
  int64_t clamp(double v, bool* nonfinite) {
    for_each_chunk([&](const gc_tensor& t, const Chunk& c, Partial& out) {
      out = kernels_.clamp[t.dtype](t.data, c.offset, c.length, v);
    });
    int64_t changed = 0;
    bool seen = false;
    for (const Partial& part : set_.partials) {
      changed += part.changed;
      seen |= part.nonfinite;
    }
    *nonfinite = seen;
    return changed;
  }

 private:
  // body(tensor, chunk, the chunk's partial slot) for every chunk, on the pool for large sets.
  template <class Body>
  void for_each_chunk(const Body& body) {
    const auto task = [&](int64_t i) {
      const Chunk& c = set_.table.chunks[i];
      body(set_.tensors[c.tensor], c, set_.partials[i]);
    };
    run_tasks(pool_, static_cast<int64_t>(set_.table.chunks.size()), set_.elements, task);
  }

  const KernelTable& kernels_;  // one ISA level for the whole operation
  Pool& pool_;
  gc_cpu_set& set_;
};

// Tensor i scaled by coef(set.tensor_sums[i]) (a norm or an rms by now); nothing anywhere under
// ERROR/SKIP when an element was non-finite.
void scale_per_tensor(Runner& runner, gc_cpu_set& set, const gc_op& op, bool nonfinite, gc_result& r) {
  double smallest = 1.0;
  int64_t written = 0;
  for (size_t i = 0; i < set.tensors.size(); ++i) {
    const double coef = coefficient(op.rule, set.tensor_sums[i], op.threshold);
    set.coefs[i] = coef;
    smallest = min_combine(smallest, coef);
    written += must_scale(coef) ? 1 : 0;
  }
  r.coefficient = smallest;
  if ((!nonfinite || op.nonfinite == GC_NONFINITE_PROPAGATE) && written > 0) {
    runner.scale();
    r.clipped = 1;
    r.clipped_count = written;
  }
}

// NORM, GLOBAL, PER_TENSOR.
void run_norm_based(Runner& runner, gc_cpu_set& set, const gc_op& op, gc_result& r) {
  const double p = op.norm_type;
  double total_sum = 0.0;
  const bool nonfinite = runner.norms(p, &total_sum);
  r.total_norm = finish_norm(p, total_sum);
  r.nonfinite = nonfinite;
  for (double& s : set.tensor_sums) s = finish_norm(p, s);
  if (op.mode == GC_MODE_NORM) return;

  const bool may_write = !nonfinite || op.nonfinite == GC_NONFINITE_PROPAGATE;
  if (op.mode == GC_MODE_GLOBAL) {
    const double coef = coefficient(op.rule, r.total_norm, op.threshold);
    r.coefficient = coef;
    if (may_write && must_scale(coef)) {
      for (double& c : set.coefs) c = coef;
      runner.scale();
      r.clipped = 1;
      r.clipped_count = 1;
    }
    return;
  }
  scale_per_tensor(runner, set, op, nonfinite, r);
}

// BLOCK_RMS: PER_TENSOR on rms_i = sqrt(s_i / count_i) with the L2 sums, whatever norm_type says.
void run_block_rms(Runner& runner, gc_cpu_set& set, const gc_op& op, gc_result& r) {
  double total_sum = 0.0;
  const bool nonfinite = runner.norms(2.0, &total_sum);
  r.total_norm = std::sqrt(total_sum);
  r.nonfinite = nonfinite;
  for (size_t i = 0; i < set.tensors.size(); ++i) set.tensor_sums[i] = block_rms(set.tensor_sums[i], set.tensors[i].count);
  scale_per_tensor(runner, set, op, nonfinite, r);
}

void run_value(Runner& runner, const gc_op& op, gc_result& r) {
  // ERROR and SKIP must not write anything when an element is non-finite, so they look first.
  if (op.nonfinite != GC_NONFINITE_PROPAGATE && runner.any_nonfinite()) {
    r.nonfinite = 1;
    return;
  }
  bool nonfinite = false;
  r.clipped_count = runner.clamp(op.threshold, &nonfinite);
  r.clipped = r.clipped_count > 0;
  r.nonfinite = nonfinite;
}

}  // namespace

void run_op(Pool& pool, gc_cpu_set& set, const gc_op& op, double* tensor_norms, gc_result* result) {
  if (op.mode == GC_MODE_AGC) return run_agc(pool, set, op, tensor_norms, result);
  if (op.mode == GC_MODE_PER_SAMPLE_FLAT || op.mode == GC_MODE_PER_SAMPLE_LAYER)
    return run_per_sample(pool, set, op, tensor_norms, result);
  Runner runner(pool, set);
  gc_result r{NAN, 1.0, 0, 0, 0};
  switch (op.mode) {
    case GC_MODE_NORM:
    case GC_MODE_GLOBAL:
    case GC_MODE_PER_TENSOR:
      run_norm_based(runner, set, op, r);
      if (tensor_norms != nullptr)
        for (size_t i = 0; i < set.tensors.size(); ++i) tensor_norms[i] = set.tensor_sums[i];
      break;
    case GC_MODE_BLOCK_RMS:
      run_block_rms(runner, set, op, r);
      if (tensor_norms != nullptr)
        for (size_t i = 0; i < set.tensors.size(); ++i) tensor_norms[i] = set.tensor_sums[i];
      break;
    case GC_MODE_VALUE:
      run_value(runner, op, r);
      break;
    case GC_MODE_SCALE:
      r.coefficient = op.threshold;
      if (op.threshold != 1.0) {  // NaN included: it is applied
        runner.scale_all(op.threshold);
        r.clipped = 1;
        r.clipped_count = 1;
      }
      break;
  }
  *result = r;
}

}  // namespace gc::cpu
