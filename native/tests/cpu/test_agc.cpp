// AGC against the reference: every dtype of gradients and parameters, all three layouts (units = 1,
// units = count, empty tensors, whose units take no part in coefficient or clipped_count), awkward sizes around small chunks and around the column blocks, every
// policy with NaN and infinities in gradients and parameters, on every ISA level; bit-identical across
// thread counts; re-attaching replaces; PROPAGATE's fused column tiles.
#include <memory>

#include "modes_reference.hpp"

namespace {

struct Case {
  std::vector<t::Tensor> grads;
  std::vector<t::RefUnits> units;
  int64_t chunk = 0;
  gc_op op{};
  std::string label;
};

struct Outcome {
  gc_result result{};
  std::vector<double> norms;
  std::vector<t::Tensor> grads;
};

Outcome run_library(gc_cpu_pool* pool, Case& c) {
  Outcome o;
  o.grads = c.grads;
  o.norms.assign(c.grads.size(), -1.0);
  t::Set set(o.grads, c.chunk);
  std::vector<gc_units> views;
  for (auto& u : c.units) views.push_back(u.view());
  t::require(gc_cpu_set_units(set.s, views.data(), static_cast<int64_t>(views.size())), "gc_cpu_set_units");
  t::require(gc_cpu_run(pool, set.s, &c.op, o.norms.data(), &o.result), "gc_cpu_run");
  return o;
}

void check_against_reference(gc_cpu_pool* pool, Case& c) {
  std::vector<t::Tensor> want = c.grads;
  const std::vector<t::RefUnits> params_before = c.units;
  const t::RefOutcome ref = t::ref_agc(want, c.units, c.op);
  for (int isa : t::isas()) {
    t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
    const std::string what = c.label + " " + t::isa_name(isa);
    const Outcome o = run_library(pool, c);
    t::expect_result(o.result, ref.result, what);
    t::expect_norms(o.norms, ref.norms, what);
    t::compare(o.grads, want, what + ": gradients", t::Nan::kAny);
  }
  for (size_t i = 0; i < c.units.size(); ++i)
    t::expect(c.units[i].params.words == params_before[i].params.words, "%s: parameters %zu written", c.label.c_str(), i);
}

// A tensor of `units` units of `per_unit` elements, grid data, parameters of their own dtype and scale.
void add_tensor(Case& c, t::Rng& rng, int layout, int64_t units, int64_t per_unit) {
  const int64_t count = units * per_unit;
  c.grads.emplace_back(static_cast<int>(rng.below(4)), count);
  t::fill_grid(c.grads.back(), rng, static_cast<int>(rng.below(9)) - 8);
  t::RefUnits u;
  u.params = t::Tensor(static_cast<int>(rng.below(4)), count);
  t::fill_grid(u.params, rng, static_cast<int>(rng.below(9)) - 6);
  u.units = layout == GC_UNITS_WHOLE ? 1 : units;
  u.layout = layout;
  c.units.push_back(std::move(u));
}

Case random_case(t::Rng& rng, int index) {
  Case c;
  c.chunk = rng.pick(std::vector<int64_t>{1, 7, 64, 1000, 0});
  const int64_t chunk = c.chunk == 0 ? 65536 : c.chunk;
  const std::vector<int64_t> unit_counts{1, 2, 3, 7, 31, 32, 33, 97, 2047, 2048, 2049, 4099};
  const std::vector<int64_t> unit_sizes{0, 1, 2, 5, 16, 31, 33, 100, chunk - 1, chunk, chunk + 1, 2 * chunk + 1};
  const int64_t n = 1 + rng.below(6);
  int64_t budget = 150000;
  for (int64_t i = 0; i < n; ++i) {
    const int layout = static_cast<int>(rng.below(3));
    int64_t units = layout == GC_UNITS_WHOLE ? 1 : rng.pick(unit_counts);
    int64_t per_unit = rng.pick(unit_sizes);
    if (per_unit < 1 && rng.below(2) == 0) per_unit = 1;  // units = count
    if (units * per_unit > budget) per_unit = budget / units / 4;
    budget -= units * per_unit;
    add_tensor(c, rng, layout, units, per_unit);
  }
  const int policy = index % 3;
  c.op = t::agc_op(policy, rng.pick(std::vector<double>{0.0, 0.01, 0.1, 1.0, 10.0}), rng.pick(std::vector<double>{1e-3, 0.5, 100.0}));
  c.label = t::format("case %d (chunk %lld, %lld tensors, lambda %g, eps %g, policy %d)", index, (long long)c.chunk,
                      (long long)n, c.op.threshold, c.op.eps, policy);
  return c;
}

void check_random(gc_cpu_pool* pool) {
  t::Rng rng(1234);
  for (int index = 0; index < 60; ++index) {
    Case c = random_case(rng, index);
    check_against_reference(pool, c);
  }
}

// Shapes at the edges of the layouts, one tensor each.
void check_shapes(gc_cpu_pool* pool) {
  t::Rng rng(99);
  struct Shape {
    int layout;
    int64_t units, per_unit, chunk;
  };
  const Shape shapes[] = {
      {GC_UNITS_WHOLE, 1, 1, 0},          {GC_UNITS_WHOLE, 1, 0, 0},        {GC_UNITS_ROWS, 5, 0, 0},
      {GC_UNITS_COLUMNS, 9, 0, 0},        {GC_UNITS_ROWS, 1, 1000, 7},      {GC_UNITS_COLUMNS, 1, 1000, 7},
      {GC_UNITS_ROWS, 1000, 1, 7},        {GC_UNITS_COLUMNS, 1000, 1, 7},   {GC_UNITS_COLUMNS, 4097, 3, 5},
      {GC_UNITS_COLUMNS, 2049, 7, 4096},  {GC_UNITS_COLUMNS, 33, 129, 64},  {GC_UNITS_ROWS, 3, 65537, 0},
      {GC_UNITS_WHOLE, 1, 300001, 65536}, {GC_UNITS_COLUMNS, 768, 300, 0},  {GC_UNITS_ROWS, 768, 300, 0},
      {GC_UNITS_COLUMNS, 5, 3, 1},        {GC_UNITS_ROWS, 7, 31, 1},
  };
  for (const Shape& s : shapes)
    for (double lambda : {0.0, 0.02, 1.0}) {
      for (int policy : {GC_NONFINITE_ERROR, GC_NONFINITE_PROPAGATE}) {
        Case c;
        c.chunk = s.chunk;
        add_tensor(c, rng, s.layout, s.units, s.per_unit);
        c.op = t::agc_op(policy, lambda, 1e-3);
        c.label = t::format("layout %d, %lld units of %lld, chunk %lld, lambda %g, policy %d", s.layout, (long long)s.units,
                            (long long)s.per_unit, (long long)s.chunk, lambda, policy);
        check_against_reference(pool, c);
      }
    }
}

// docs/SEMANTICS.md: "The units of an empty tensor have no elements: they take no part in coefficient
// or clipped_count". With lambda = 0 every unit with elements is clipped (coefficient 0), and units of
// norms 0 would be too, so an empty tensor's units would show in the count if they took part.
void check_empty_units(gc_cpu_pool* pool) {
  t::Rng rng(17);
  for (int policy : {GC_NONFINITE_ERROR, GC_NONFINITE_SKIP, GC_NONFINITE_PROPAGATE})
    for (int layout : {GC_UNITS_ROWS, GC_UNITS_COLUMNS}) {
      Case c;
      add_tensor(c, rng, layout, 3, 40);   // 3 units
      add_tensor(c, rng, layout, 5, 0);    // empty, 5 units
      add_tensor(c, rng, GC_UNITS_WHOLE, 1, 17);  // 1 unit
      add_tensor(c, rng, GC_UNITS_WHOLE, 1, 0);   // empty, 1 unit
      c.op = t::agc_op(policy, 0.0, 1e-3);
      c.label = t::format("empty units, layout %d, policy %d", layout, policy);
      check_against_reference(pool, c);
      const Outcome o = run_library(pool, c);
      t::expect(o.result.clipped_count == 4 && o.result.coefficient == 0.0,
                "%s: clipped_count %lld (want 4: the empty tensors' 6 units take no part), coefficient %g", c.label.c_str(),
                (long long)o.result.clipped_count, o.result.coefficient);
    }
  // Only empty tensors: no units take part, so coefficient 1 and nothing clipped.
  Case c;
  add_tensor(c, rng, GC_UNITS_ROWS, 5, 0);
  add_tensor(c, rng, GC_UNITS_COLUMNS, 2, 0);
  c.op = t::agc_op(GC_NONFINITE_ERROR, 0.0, 1e-3);
  c.label = "only empty tensors";
  check_against_reference(pool, c);
  const Outcome o = run_library(pool, c);
  t::expect(o.result.clipped_count == 0 && o.result.clipped == 0 && o.result.coefficient == 1.0,
            "only empty tensors: clipped_count %lld, clipped %d, coefficient %g (want 0, 0, 1)",
            (long long)o.result.clipped_count, o.result.clipped, o.result.coefficient);
}

// NaN and infinities in gradients or parameters, under every policy, every layout.
void check_nonfinite(gc_cpu_pool* pool) {
  t::Rng rng(5);
  const double specials[] = {NAN, INFINITY, -INFINITY};
  int index = 0;
  for (int layout : {GC_UNITS_WHOLE, GC_UNITS_ROWS, GC_UNITS_COLUMNS})
    for (bool in_params : {false, true})
      for (double special : specials)
        for (int policy : {GC_NONFINITE_ERROR, GC_NONFINITE_SKIP, GC_NONFINITE_PROPAGATE}) {
          Case c;
          c.chunk = 50;
          add_tensor(c, rng, layout, layout == GC_UNITS_WHOLE ? 1 : 37, layout == GC_UNITS_WHOLE ? 500 : 41);
          add_tensor(c, rng, GC_UNITS_ROWS, 4, 33);
          t::Tensor& target = in_params ? c.units[0].params : c.grads[0];
          target.put(rng.below(target.count), special);
          c.op = t::agc_op(policy, 0.05, 1e-3);
          c.label = t::format("nonfinite #%d: layout %d, %g in %s, policy %d", index++, layout, special,
                              in_params ? "params" : "grads", policy);
          check_against_reference(pool, c);
        }
  // Finite fp64 values whose squares overflow: an infinite norm, but nothing non-finite in the input.
  for (int layout : {GC_UNITS_ROWS, GC_UNITS_COLUMNS}) {
    Case c;
    c.chunk = 16;
    c.grads.emplace_back(GC_DTYPE_F64, 60);
    for (int64_t i = 0; i < 60; ++i) c.grads[0].put(i, i % 2 ? 1e300 : -3e299);
    t::RefUnits u;
    u.params = t::Tensor(GC_DTYPE_F64, 60);
    for (int64_t i = 0; i < 60; ++i) u.params.put(i, 1e300);
    u.units = 6;
    u.layout = layout;
    c.units.push_back(std::move(u));
    c.op = t::agc_op(GC_NONFINITE_ERROR, 0.5, 1e-3);
    c.label = t::format("fp64 overflow, layout %d", layout);
    check_against_reference(pool, c);
  }
}

// Large enough to go multi-threaded, arbitrary (not grid) data: every thread count and ISA level
// gives the same bits.
void check_determinism() {
  t::Rng rng(77);
  Case c;
  c.chunk = 4096;
  const struct {
    int layout;
    int64_t units, per_unit;
  } shapes[] = {{GC_UNITS_ROWS, 768, 400}, {GC_UNITS_COLUMNS, 768, 400}, {GC_UNITS_COLUMNS, 3001, 97},
                {GC_UNITS_WHOLE, 1, 500001}, {GC_UNITS_ROWS, 3, 20011}, {GC_UNITS_COLUMNS, 70001, 1}};
  for (const auto& s : shapes) {
    add_tensor(c, rng, s.layout, s.units, s.per_unit);
    t::fill_random(c.grads.back(), rng, 1.0);
    t::fill_random(c.units.back().params, rng, 0.5);
  }
  std::vector<std::unique_ptr<t::Pool>> pools;
  for (int threads : {1, 2, 3, 7}) pools.push_back(std::make_unique<t::Pool>(threads));
  for (int policy : {GC_NONFINITE_ERROR, GC_NONFINITE_PROPAGATE}) {
    c.op = t::agc_op(policy, 0.01, 1e-3);
    std::vector<t::Tensor> want = c.grads;
    const t::RefOutcome ref = t::ref_agc(want, c.units, c.op);
    bool first = true;
    Outcome base;
    for (int isa : t::isas()) {
      t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
      for (const auto& pool : pools) {
        Outcome o = run_library(pool->p, c);
        if (first) {
          base = std::move(o);
          first = false;
          t::expect(base.result.clipped_count > 100, "determinism set clips only %lld units", (long long)base.result.clipped_count);
          for (size_t i = 0; i < ref.norms.size(); ++i)
            t::expect(t::close(base.norms[i], ref.norms[i], t::sum_tolerance(c.grads[i].count, c.grads[i].count)),
                      "tensor %zu norm %.17g, reference %.17g", i, base.norms[i], ref.norms[i]);
          continue;
        }
        const std::string what = t::format("%s, %d threads, policy %d", t::isa_name(isa), gc_cpu_pool_threads(pool->p), policy);
        t::expect_result(o.result, base.result, what);
        t::expect_norms(o.norms, base.norms, what);
        for (size_t k = 0; k < o.grads.size(); ++k)
          t::expect(o.grads[k].words == base.grads[k].words, "%s: tensor %zu differs", what.c_str(), k);
      }
    }
  }
}

// PROPAGATE sums a COLUMNS tensor in tiles of whole columns (as wide as fit a few MiB of gradients, at
// most 2048) and scales each tile right after its sums; ERROR and SKIP sum in row blocks and scale in a
// second pass. Shapes whose tiles are narrow (long columns, fp64), end in a partial tile (units not a
// multiple of the width, nor of the 32-column groups), or are one row (K = 1), with several row parts
// (small chunks): both paths match the reference (grid data, exact sums) and, on arbitrary data, each
// other bit for bit (the same additions in the same order).
void check_fused_columns(gc_cpu_pool* pool) {
  t::Rng rng(2024);
  struct Shape {
    int grad_dtype, param_dtype;
    int64_t units, rows, chunk;
  };
  const Shape shapes[] = {
      {GC_DTYPE_F64, GC_DTYPE_F32, 70, 12289, 0},      // 32-column tiles: 32, 32, 6
      {GC_DTYPE_F32, GC_DTYPE_BF16, 300, 6000, 0},     // 128-column tiles: 128, 128, 44
      {GC_DTYPE_BF16, GC_DTYPE_F16, 130, 12000, 4096},  // 128, 2; 64 rows per part
      {GC_DTYPE_F16, GC_DTYPE_F64, 97, 9000, 1000},     // 160: one partial tile; 41 rows per part
      {GC_DTYPE_F32, GC_DTYPE_F32, 5000, 1, 0},         // K = 1: 2048, 2048, 904
      {GC_DTYPE_BF16, GC_DTYPE_F32, 4099, 3, 7},        // one row per part
      {GC_DTYPE_F64, GC_DTYPE_F64, 2049, 5, 0},
  };
  for (const Shape& s : shapes) {
    Case c;
    c.chunk = s.chunk;
    c.grads.emplace_back(s.grad_dtype, s.units * s.rows);
    t::fill_grid(c.grads.back(), rng, -8);
    t::RefUnits u;
    u.params = t::Tensor(s.param_dtype, s.units * s.rows);
    t::fill_grid(u.params, rng, -6);
    u.units = s.units;
    u.layout = GC_UNITS_COLUMNS;
    c.units.push_back(std::move(u));
    add_tensor(c, rng, GC_UNITS_ROWS, 3, 50);  // a contiguous tensor alongside
    for (double lambda : {0.0, 0.02}) {
      for (int policy : {GC_NONFINITE_ERROR, GC_NONFINITE_PROPAGATE}) {
        c.op = t::agc_op(policy, lambda, 1e-3);
        c.label = t::format("fused columns: dtypes %d/%d, %lld units of %lld rows, chunk %lld, lambda %g, policy %d", s.grad_dtype,
                            s.param_dtype, (long long)s.units, (long long)s.rows, (long long)s.chunk, lambda, policy);
        check_against_reference(pool, c);
      }
    }
    // Arbitrary data: the fused (PROPAGATE) and two-pass (ERROR) runs agree bit for bit.
    t::fill_random(c.grads[0], rng, 1.0);
    t::fill_random(c.units[0].params, rng, 0.02);
    for (int isa : t::isas()) {
      t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
      c.op = t::agc_op(GC_NONFINITE_ERROR, 0.02, 1e-3);
      const Outcome two_pass = run_library(pool, c);
      c.op = t::agc_op(GC_NONFINITE_PROPAGATE, 0.02, 1e-3);
      const Outcome fused = run_library(pool, c);
      const std::string what = t::format("fused columns, arbitrary data: dtypes %d/%d, %lld units of %lld rows, chunk %lld, %s",
                                         s.grad_dtype, s.param_dtype, (long long)s.units, (long long)s.rows, (long long)s.chunk,
                                         t::isa_name(isa));
      t::expect(two_pass.result.clipped_count > 0, "%s: nothing clipped", what.c_str());
      t::expect_result(fused.result, two_pass.result, what);
      t::expect_norms(fused.norms, two_pass.norms, what);
      for (size_t k = 0; k < fused.grads.size(); ++k)
        t::expect(fused.grads[k].words == two_pass.grads[k].words, "%s: tensor %zu differs", what.c_str(), k);
    }
  }
}

// A second gc_cpu_set_units replaces the first; a failed one keeps it.
void check_reattach(gc_cpu_pool* pool) {
  t::Rng rng(3);
  Case a, b;
  add_tensor(a, rng, GC_UNITS_ROWS, 10, 20);
  b.grads = a.grads;
  t::RefUnits cols;
  cols.params = a.units[0].params;
  cols.units = 20;
  cols.layout = GC_UNITS_COLUMNS;
  b.units.push_back(std::move(cols));
  a.op = b.op = t::agc_op(GC_NONFINITE_ERROR, 0.05, 1e-3);

  std::vector<t::Tensor> data = a.grads;
  t::Set set(data, 0);
  gc_units va = a.units[0].view(), vb = b.units[0].view();
  t::require(gc_cpu_set_units(set.s, &va, 1), "set_units rows");
  t::require(gc_cpu_set_units(set.s, &vb, 1), "set_units columns");
  gc_units bad = vb;
  bad.units = 7;  // does not divide 200
  t::expect(gc_cpu_set_units(set.s, &bad, 1) == GC_E_INVALID, "bad re-attach accepted");
  gc_result r;
  std::vector<double> norms(1);
  t::require(gc_cpu_run(pool, set.s, &b.op, norms.data(), &r), "run");
  std::vector<t::Tensor> want = b.grads;
  const t::RefOutcome ref = t::ref_agc(want, b.units, b.op);
  t::expect_result(r, ref.result, "re-attached columns");
  t::compare(data, want, "re-attached columns");
}

}  // namespace

int main() {
  t::Pool pool(2);
  check_random(pool.p);
  check_shapes(pool.p);
  check_empty_units(pool.p);
  check_nonfinite(pool.p);
  check_reattach(pool.p);
  check_fused_columns(pool.p);
  check_determinism();
  return t::finish("test_agc");
}
