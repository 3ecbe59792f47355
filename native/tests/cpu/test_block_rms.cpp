// BLOCK_RMS against the reference: every dtype, empty tensors, both rules, every policy with NaN and
// infinities, norm_type ignored, on every ISA level; bit-identical across thread counts.
#include <memory>

#include "modes_reference.hpp"

namespace {

struct Outcome {
  gc_result result{};
  std::vector<double> norms;
  std::vector<t::Tensor> data;
};

Outcome run_library(gc_cpu_pool* pool, const std::vector<t::Tensor>& input, int64_t chunk, const gc_op& op) {
  Outcome o;
  o.data = input;
  o.norms.assign(input.size(), -1.0);
  o.result = t::run(pool, o.data, chunk, op, o.norms.data());
  return o;
}

void check_random(gc_cpu_pool* pool) {
  t::Rng rng(11);
  for (int index = 0; index < 90; ++index) {
    const int64_t chunk = rng.pick(std::vector<int64_t>{1, 100, 1024, 0});
    std::vector<t::Tensor> ts;
    for (int64_t i = 0, n = 1 + rng.below(8); i < n; ++i) {
      ts.emplace_back(static_cast<int>(rng.below(4)), rng.pick(std::vector<int64_t>{0, 1, 2, 31, 33, 1023, 1025, 7919, 65537}));
      t::fill_grid(ts.back(), rng, static_cast<int>(rng.below(9)) - 8);
    }
    const int rule = index % 2, policy = (index / 2) % 3;
    if (index % 6 == 5) {  // a non-finite element somewhere
      t::Tensor& x = ts[static_cast<size_t>(rng.below(static_cast<int64_t>(ts.size())))];
      if (x.count > 0) x.put(rng.below(x.count), rng.pick(std::vector<double>{NAN, INFINITY, -INFINITY}));
    }
    gc_op op = t::make_op(GC_MODE_BLOCK_RMS, policy, rule, rng.pick(std::vector<double>{2.0, -1.0, NAN}), 0.0);
    op.threshold = rng.pick(std::vector<double>{0.0, 0.01, 0.1, 1.0, 100.0});
    std::vector<t::Tensor> want = ts;
    const t::RefOutcome ref = t::ref_block_rms(want, op);
    for (int isa : t::isas()) {
      t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
      const std::string what = t::format("case %d (rule %d, policy %d, c %g, chunk %lld) %s", index, rule, policy, op.threshold,
                                         (long long)chunk, t::isa_name(isa));
      const Outcome o = run_library(pool, ts, chunk, op);
      t::expect_result(o.result, ref.result, what);
      t::expect_norms(o.norms, ref.norms, what);
      t::compare(o.data, want, what, t::Nan::kAny);
    }
  }
}

void check_determinism() {
  t::Rng rng(12);
  std::vector<t::Tensor> ts;
  for (int64_t n : {600001, 1, 0, 333333, 65537}) {
    ts.emplace_back(static_cast<int>(rng.below(4)), n);
    t::fill_random(ts.back(), rng, 1.0);
  }
  const gc_op op = t::make_op(GC_MODE_BLOCK_RMS, GC_NONFINITE_ERROR, GC_RULE_EXACT, 2.0, 0.7);
  std::vector<std::unique_ptr<t::Pool>> pools;
  for (int threads : {1, 2, 3, 7}) pools.push_back(std::make_unique<t::Pool>(threads));
  bool first = true;
  Outcome base;
  for (int isa : t::isas()) {
    t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
    for (const auto& pool : pools) {
      Outcome o = run_library(pool->p, ts, 1000, op);
      if (first) {
        base = std::move(o);
        first = false;
        t::expect(base.result.clipped_count >= 3, "only %lld tensors clipped", (long long)base.result.clipped_count);
        continue;
      }
      const std::string what = t::format("%s, %d threads", t::isa_name(isa), gc_cpu_pool_threads(pool->p));
      t::expect_result(o.result, base.result, what);
      t::expect_norms(o.norms, base.norms, what);
      for (size_t k = 0; k < o.data.size(); ++k) t::expect(o.data[k].words == base.data[k].words, "%s: tensor %zu", what.c_str(), k);
    }
  }
}

}  // namespace

int main() {
  t::Pool pool(2);
  check_random(pool.p);
  check_determinism();
  return t::finish("test_block_rms");
}
