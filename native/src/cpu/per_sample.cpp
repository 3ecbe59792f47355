#include "cpu/per_sample.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/modes_math.hpp"
#include "common/numeric.hpp"
#include "cpu/dispatch.hpp"
#include "cpu/min_combine.hpp"
#include "cpu/set.hpp"
#include "cpu/tasks.hpp"

namespace gc::cpu {
namespace {

// Output elements per aggregation task: each reads batch input streams, so a task covers about a
// chunk's worth of input, but never fewer than this many outputs, so each stream is read in runs of
// at least a few KiB (short runs over many streams defeat the prefetchers).
constexpr int64_t kMinOutputPiece = 4096;

std::vector<Chunk> output_pieces(const std::vector<gc_tensor>& outputs, int64_t batch, int64_t chunk_elems) {
  const int64_t piece = std::max(chunk_elems / batch, std::min(chunk_elems, kMinOutputPiece));
  std::vector<Chunk> pieces;
  for (size_t i = 0; i < outputs.size(); ++i)
    for (int64_t off = 0; off < outputs[i].count; off += piece)
      pieces.push_back(Chunk{static_cast<int64_t>(i), off, std::min(piece, outputs[i].count - off)});
  return pieces;
}

// Pass 1: s_{b,i} of every (sample, tensor) from pieces that never cross a sample's slice.
void sum_samples(Pool& pool, gc_cpu_set& set, const KernelTable& kernels) {
  SamplesPlan& plan = set.samples;
  const UnitTable& table = plan.table;
  run_tasks(pool, static_cast<int64_t>(table.tasks.size()), set.elements, [&](int64_t t) {
    const UnitTask& task = table.tasks[t];
    const UnitSpan& span = table.spans[task.tensor];
    const gc_tensor& x = set.tensors[task.tensor];
    for (int64_t b = task.first; b < task.end; ++b) {
      const int64_t slot = task.slot + (b - task.first) * span.unit_stride;
      const Partial p = kernels.norm[x.dtype][kNormL2](x.data, b * span.unit_elems + task.begin, task.end_elem - task.begin, 2.0);
      plan.sums.parts[slot] = p.sum;
      plan.sums.parts_nonfinite[slot] = p.nonfinite;
    }
  });
  run_tasks(pool, static_cast<int64_t>(table.groups.size()), table.slots,
            [&](int64_t g) { plan.sums.reduce(table, table.groups[g]); });
}

// Pass 2: every output element from its batch of inputs, the noise and the divisor.
void aggregate(Pool& pool, gc_cpu_set& set, const gc_op& op, const KernelTable& kernels) {
  const SamplesPlan& plan = set.samples;
  const double noise_std = op.noise_multiplier * op.threshold;
  run_tasks(pool, static_cast<int64_t>(plan.output_pieces.size()), set.elements, [&](int64_t p) {
    const Chunk& piece = plan.output_pieces[p];
    const gc_tensor& x = set.tensors[piece.tensor];
    const gc_tensor& y = plan.outputs[piece.tensor];
    const AggregateArgs args{x.data,
                             y.count,
                             plan.batch,
                             plan.coefs.data() + piece.tensor * plan.batch,
                             y.data,
                             op.noise_multiplier > 0.0,
                             noise_std,
                             noise_key(op.seed, static_cast<uint64_t>(piece.tensor)),
                             op.divisor};
    kernels.aggregate[x.dtype][y.dtype](args, piece.offset, piece.length);
  });
}

}  // namespace

void attach_samples(gc_cpu_set& set, int64_t batch, const gc_tensor* outputs) {
  const size_t n = set.tensors.size();
  SamplesPlan plan;
  plan.batch = batch;
  plan.outputs.assign(outputs, outputs + n);
  plan.table = build_unit_table(set.tensors, std::vector<UnitShape>(n, UnitShape{batch, UnitLayout::kContiguous}),
                                set.chunk_elems);
  plan.sums.resize(plan.table);
  plan.coefs.assign(n * static_cast<size_t>(batch), 1.0);
  plan.norms.assign(n * static_cast<size_t>(batch), 0.0);
  plan.output_pieces = output_pieces(plan.outputs, batch, set.chunk_elems);
  plan.attached = true;
  set.samples = std::move(plan);
}

void run_per_sample(Pool& pool, gc_cpu_set& set, const gc_op& op, double* tensor_norms, gc_result* result) {
  const KernelTable& kernels = gc::cpu::kernels(current_isa());
  sum_samples(pool, set, kernels);

  SamplesPlan& plan = set.samples;
  const auto n = static_cast<int64_t>(set.tensors.size());
  const int64_t batch = plan.batch;
  const bool flat = op.mode == GC_MODE_PER_SAMPLE_FLAT;
  const auto sample_sum = [&](int64_t b, int64_t i) { return plan.sums.units[plan.table.spans[i].first_unit + b]; };
  bool nonfinite = false;
  double largest = 0.0, smallest = 1.0;
  int64_t clipped = 0;
  const auto account = [&](double norm, double coef) {
    largest = max_combine(largest, norm);
    smallest = min_combine(smallest, coef);
    clipped += must_scale(coef) ? 1 : 0;
  };
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < n; ++i) nonfinite |= plan.sums.units_nonfinite[plan.table.spans[i].first_unit + b] != 0;
    if (flat) {
      double s = 0.0;
      for (int64_t i = 0; i < n; ++i) s += sample_sum(b, i);
      const double norm = std::sqrt(s);
      const double coef = coefficient(op.rule, norm, op.threshold);
      for (int64_t i = 0; i < n; ++i) plan.coefs[i * batch + b] = coef;
      plan.norms[b] = norm;
      account(norm, coef);
    } else {
      for (int64_t i = 0; i < n; ++i) {
        const double norm = std::sqrt(sample_sum(b, i));
        const double coef = coefficient(op.rule, norm, op.threshold);
        plan.coefs[i * batch + b] = coef;
        plan.norms[b * n + i] = norm;
        account(norm, coef);
      }
    }
  }

  gc_result r{largest, smallest, 0, 0, nonfinite ? 1 : 0};
  if (!nonfinite || op.nonfinite == GC_NONFINITE_PROPAGATE) {
    aggregate(pool, set, op, kernels);
    r.clipped_count = clipped;
    r.clipped = clipped > 0;
  }
  if (tensor_norms != nullptr) std::copy_n(plan.norms.begin(), flat ? batch : batch * n, tensor_norms);
  *result = r;
}

}  // namespace gc::cpu
