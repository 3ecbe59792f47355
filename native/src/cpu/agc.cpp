#include "cpu/agc.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "common/modes_math.hpp"
#include "common/numeric.hpp"
#include "common/validate.hpp"
#include "cpu/dispatch.hpp"
#include "cpu/min_combine.hpp"
#include "cpu/set.hpp"
#include "cpu/tasks.hpp"

namespace gc::cpu {
namespace {

// The kernels follow the memory, not the layout's name: a tensor of one unit is contiguous whatever its
// layout (a column kernel would run one long scalar chain), and one of one-element units is a single
// row of columns whatever its layout (a contiguous kernel would be called once per element).
UnitShape shape_of(const gc_tensor& t, const gc_units& u) {
  if (t.count == 0) return UnitShape{0, UnitLayout::kContiguous};
  if (u.units == 1) return UnitShape{1, UnitLayout::kContiguous};
  if (u.units == t.count) return UnitShape{u.units, UnitLayout::kColumns};
  return UnitShape{u.units, u.layout == GC_UNITS_COLUMNS ? UnitLayout::kColumns : UnitLayout::kContiguous};
}

template <class Bits>
bool strided_nonfinite(const void* data, const ColumnTile& tile, int64_t column, Bits exponent) {
  const Bits* x = static_cast<const Bits*>(data);
  for (int64_t r = tile.row_begin; r < tile.row_end; ++r)
    if ((x[r * tile.row_elems + column] & exponent) == exponent) return true;
  return false;
}

// Exact check of one column of a tile, run only when its sum came out non-finite (an overflow of
// finite squares is possible for fp64).
bool column_nonfinite(const void* data, int32_t dtype, const ColumnTile& tile, int64_t column) {
  switch (dtype) {
    case GC_DTYPE_F32: return strided_nonfinite<uint32_t>(data, tile, column, 0x7f800000u);
    case GC_DTYPE_F64: return strided_nonfinite<uint64_t>(data, tile, column, 0x7ff0000000000000u);
    case GC_DTYPE_BF16: return strided_nonfinite<uint16_t>(data, tile, column, 0x7f80u);
    default: return strided_nonfinite<uint16_t>(data, tile, column, 0x7c00u);
  }
}

// Gradient bytes of one fused column tile, summed (after its parameters) and then scaled: the scaling
// finds them in L3 (32 MiB here), not in memory. Not L2: a tile that fits there (128 fp32 columns of
// 768 rows, 512-byte runs per row) is read from memory in runs too short for the prefetchers and DRAM
// pages, and measured far slower than the two passes (86-107 against 56-60 ms on bench_modes' GPT-2-like
// set, 2 threads, Zen 4); 3 MiB (1024 such columns, 4 KiB runs) measured best among 0.4 to 8 MiB,
// 51-58 against 56-60 ms. On a CPU with less L3 per thread the scaling reads memory again, as the
// second pass would.
constexpr int64_t kFusedTileBytes = int64_t{3} << 20;

// Columns per fused tile of a COLUMNS tensor: whole groups of kLanes columns, at least one group, at
// most the column kernels' limit.
int64_t fused_tile_width(const UnitSpan& span, int32_t dtype) {
  const int64_t row_bytes = span.unit_elems * dtype_bytes(dtype);
  const int64_t groups = kFusedTileBytes / row_bytes / kLanes;
  return std::clamp<int64_t>(groups * kLanes, kLanes, kColumnBlock);
}

// The fused run's tasks (AgcPlan::fused_tasks), in the table's tensor order.
std::vector<UnitTask> fused_tasks(const UnitTable& table, const std::vector<gc_tensor>& tensors) {
  std::vector<UnitTask> tasks;
  int64_t tiled = -1;  // the last COLUMNS tensor whose tiles were added
  for (const UnitTask& task : table.tasks) {
    const UnitSpan& span = table.spans[task.tensor];
    if (span.layout != UnitLayout::kColumns) {
      tasks.push_back(task);
      continue;
    }
    if (task.tensor == tiled) continue;
    tiled = task.tensor;
    const int64_t width = fused_tile_width(span, tensors[task.tensor].dtype);
    for (int64_t c0 = 0; c0 < span.units; c0 += width)
      tasks.push_back(UnitTask{task.tensor, 0, span.unit_elems, c0, std::min(span.units, c0 + width), span.slot(c0, 0)});
  }
  return tasks;
}

class AgcRun {
 public:
  AgcRun(Pool& pool, gc_cpu_set& set, const gc_op& op)
      : kernels_(kernels(current_isa())), pool_(pool), set_(set), plan_(set.agc), lambda_(op.threshold), eps_(op.eps),
        // Without ERROR/SKIP nothing waits for the other units' norms: a unit held by one task is
        // scaled right after its norms, while it is still in cache.
        fused_(op.nonfinite == GC_NONFINITE_PROPAGATE) {}

  // Pass 1: the partial sums of every unit's gradients and parameters (scaling the fusable units),
  // then each unit's sums and coefficient.
  void sum_units() {
    const UnitTable& table = plan_.table;
    const std::vector<UnitTask>& tasks = fused_ ? plan_.fused_tasks : table.tasks;
    run_tasks(pool_, static_cast<int64_t>(tasks.size()), set_.elements, [&](int64_t t) {
      const UnitTask& task = tasks[t];
      if (table.spans[task.tensor].layout != UnitLayout::kColumns) sum_contiguous(task);
      else if (fused_) sum_scale_columns(task);
      else sum_columns(task);
    });
    run_tasks(pool_, static_cast<int64_t>(table.groups.size()), table.slots, [&](int64_t g) {
      const UnitGroup& group = table.groups[g];
      plan_.grads.reduce(table, group);
      plan_.params.reduce(table, group);
      const int64_t first = table.spans[group.tensor].first_unit;
      for (int64_t u = first + group.first; u < first + group.end; ++u)
        plan_.coefs[u] = coefficient(plan_.grads.units[u], plan_.params.units[u]);
    });
  }

  // Pass 2: scales the clipped units that pass 1 did not.
  void scale_rest() {
    if (fused_ && !plan_.has_unfusable) return;
    const UnitTable& table = plan_.table;
    run_tasks(pool_, static_cast<int64_t>(table.tasks.size()), set_.elements, [&](int64_t t) {
      const UnitTask& task = table.tasks[t];
      const UnitSpan& span = table.spans[task.tensor];
      const gc_tensor& g = set_.tensors[task.tensor];
      const double* coefs = plan_.coefs.data() + span.first_unit;
      if (span.layout == UnitLayout::kColumns) {
        if (fused_) return;
        bool any = false;
        for (int64_t c = task.begin; c < task.end_elem; ++c) any |= must_scale(coefs[c]);
        if (any) kernels_.scale_columns[g.dtype](g.data, tile(task, span), coefs + task.begin);
        return;
      }
      if (fused_ && span.parts == 1) return;
      for (int64_t u = task.first; u < task.end; ++u)
        if (must_scale(coefs[u]))
          kernels_.scale[g.dtype](g.data, u * span.unit_elems + task.begin, task.end_elem - task.begin, coefs[u]);
    });
  }

  double coefficient(double grad_sum, double param_sum) const {
    return agc_coefficient(std::sqrt(grad_sum), std::sqrt(param_sum), lambda_, eps_);
  }

 private:
  static ColumnTile tile(const UnitTask& task, const UnitSpan& span) {
    return ColumnTile{span.units, task.first, task.end, task.begin, task.end_elem, 0};
  }

  void sum_contiguous(const UnitTask& task) {
    const UnitSpan& span = plan_.table.spans[task.tensor];
    const gc_tensor& g = set_.tensors[task.tensor];
    const gc_units& w = plan_.units[task.tensor];
    const int64_t length = task.end_elem - task.begin;
    for (int64_t u = task.first; u < task.end; ++u) {
      const int64_t offset = u * span.unit_elems + task.begin;
      const int64_t slot = task.slot + (u - task.first) * span.unit_stride;
      const Partial pg = kernels_.norm[g.dtype][kNormL2](g.data, offset, length, 2.0);
      const Partial pw = kernels_.norm[w.params_dtype][kNormL2](w.params, offset, length, 2.0);
      plan_.grads.parts[slot] = pg.sum;
      plan_.grads.parts_nonfinite[slot] = pg.nonfinite;
      plan_.params.parts[slot] = pw.sum;
      plan_.params.parts_nonfinite[slot] = pw.nonfinite;
      if (fused_ && span.parts == 1) {
        // The unit's sums are these partials alone (0 + s = s), so this is the coefficient pass 1 reports.
        const double coef = coefficient(pg.sum, pw.sum);
        if (must_scale(coef)) kernels_.scale[g.dtype](g.data, offset, length, coef);
      }
    }
  }

  void sum_columns(const UnitTask& task) {
    const UnitSpan& span = plan_.table.spans[task.tensor];
    const gc_tensor& g = set_.tensors[task.tensor];
    const gc_units& w = plan_.units[task.tensor];
    const ColumnTile t = tile(task, span);
    kernels_.column_sums[g.dtype](g.data, t, &plan_.grads.parts[task.slot]);
    kernels_.column_sums[w.params_dtype](w.params, t, &plan_.params.parts[task.slot]);
    for (int64_t c = task.begin; c < task.end_elem; ++c) {
      const int64_t slot = task.slot + (c - task.begin);
      check_column(plan_.grads, slot, g.data, g.dtype, t, c);
      check_column(plan_.params, slot, w.params, w.params_dtype, t, c);
    }
  }

  // A fused tile: rows [0, K) of columns [begin, end_elem). Each part (the table's row blocks) is summed
  // into the part's slots exactly as sum_columns does, the columns' sums and coefficients are made from
  // them as UnitSums::reduce and sum_units do (the same values the group pass then reports), and the
  // clipped columns are scaled while the tile is still in cache (kFusedTileBytes). The parameters go
  // first, so that the gradients are the more recent in cache.
  void sum_scale_columns(const UnitTask& task) {
    const UnitSpan& span = plan_.table.spans[task.tensor];
    const gc_tensor& g = set_.tensors[task.tensor];
    const gc_units& w = plan_.units[task.tensor];
    const int64_t rows = span.unit_elems;
    const auto part_tile = [&](int64_t part) {
      const int64_t r0 = part * span.part_rows;
      const int64_t r1 = std::min(rows, r0 + span.part_rows);
      return ColumnTile{span.units, r0, r1, task.begin, task.end_elem, rows - r1};
    };
    for (int64_t part = 0; part < span.parts; ++part)
      kernels_.column_sums[w.params_dtype](w.params, part_tile(part), &plan_.params.parts[span.slot(task.begin, part)]);
    for (int64_t part = 0; part < span.parts; ++part)
      kernels_.column_sums[g.dtype](g.data, part_tile(part), &plan_.grads.parts[span.slot(task.begin, part)]);
    double coefs[kColumnBlock];
    bool any = false;
    for (int64_t c = task.begin; c < task.end_elem; ++c) {
      double gs = 0.0, ps = 0.0;
      for (int64_t part = 0; part < span.parts; ++part) {
        const ColumnTile t = part_tile(part);
        const int64_t slot = span.slot(c, part);
        check_column(plan_.grads, slot, g.data, g.dtype, t, c);
        check_column(plan_.params, slot, w.params, w.params_dtype, t, c);
        gs += plan_.grads.parts[slot];
        ps += plan_.params.parts[slot];
      }
      coefs[c - task.begin] = coefficient(gs, ps);
      any |= must_scale(coefs[c - task.begin]);
    }
    if (any) kernels_.scale_columns[g.dtype](g.data, ColumnTile{span.units, 0, rows, task.begin, task.end_elem, 0}, coefs);
  }

  // Flags a non-finite element and makes a NaN sum the one NaN every ISA level produces, since a NaN
  // coefficient's payload would reach the data.
  static void check_column(UnitSums& sums, int64_t slot, const void* data, int32_t dtype, const ColumnTile& t, int64_t c) {
    double& s = sums.parts[slot];
    const bool finite = std::isfinite(s);
    sums.parts_nonfinite[slot] = !finite && column_nonfinite(data, dtype, t, c);
    if (s != s) s = NAN;
  }

  const KernelTable& kernels_;
  Pool& pool_;
  gc_cpu_set& set_;
  AgcPlan& plan_;
  const double lambda_, eps_;
  const bool fused_;
};

}  // namespace

void attach_units(gc_cpu_set& set, const gc_units* units) {
  AgcPlan plan;
  plan.units.assign(units, units + set.tensors.size());
  std::vector<UnitShape> shapes;
  shapes.reserve(set.tensors.size());
  for (size_t i = 0; i < set.tensors.size(); ++i) shapes.push_back(shape_of(set.tensors[i], plan.units[i]));
  plan.table = build_unit_table(set.tensors, shapes, set.chunk_elems);
  plan.grads.resize(plan.table);
  plan.params.resize(plan.table);
  plan.coefs.assign(static_cast<size_t>(plan.table.units), 1.0);
  plan.fused_tasks = fused_tasks(plan.table, set.tensors);
  for (const UnitSpan& span : plan.table.spans)
    plan.has_unfusable |= span.units > 0 && span.layout == UnitLayout::kContiguous && span.parts > 1;
  plan.attached = true;
  set.agc = std::move(plan);
}

void run_agc(Pool& pool, gc_cpu_set& set, const gc_op& op, double* tensor_norms, gc_result* result) {
  AgcRun run(pool, set, op);
  run.sum_units();

  const AgcPlan& plan = set.agc;
  // An empty tensor's units have no elements: they are not in the table (span.units = 0) and take no
  // part in coefficient or clipped_count, whatever the coefficient of norms 0 would be.
  double total = 0.0, smallest = 1.0;
  int64_t clipped = 0;
  bool nonfinite = false;
  for (size_t i = 0; i < set.tensors.size(); ++i) {
    const UnitSpan& span = plan.table.spans[i];
    double s = 0.0;
    for (int64_t u = span.first_unit; u < span.first_unit + span.units; ++u) {
      s += plan.grads.units[u];
      nonfinite |= plan.grads.units_nonfinite[u] || plan.params.units_nonfinite[u];
      smallest = min_combine(smallest, plan.coefs[u]);
      clipped += must_scale(plan.coefs[u]) ? 1 : 0;
    }
    set.tensor_sums[i] = s;
    total += s;
  }

  gc_result r{std::sqrt(total), smallest, 0, 0, nonfinite ? 1 : 0};
  if ((!nonfinite || op.nonfinite == GC_NONFINITE_PROPAGATE) && clipped > 0) {
    run.scale_rest();
    r.clipped_count = clipped;
    r.clipped = 1;
  }
  if (tensor_norms != nullptr)
    for (size_t i = 0; i < set.tensors.size(); ++i) tensor_norms[i] = std::sqrt(set.tensor_sums[i]);
  *result = r;
}

}  // namespace gc::cpu
