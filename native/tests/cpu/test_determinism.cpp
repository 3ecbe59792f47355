// The norm and everything written are bit-identical across thread counts (1, 2, 3, 7), across runs,
// and across ISA levels (the kernels share one lane layout and one final reduction).
#include <memory>

#include "support.hpp"

namespace {

struct Outcome {
  gc_result result;
  std::vector<double> norms;
  std::vector<t::Tensor> data;
};

bool identical(const Outcome& a, const Outcome& b) {
  if (!t::same(a.result.total_norm, b.result.total_norm) || !t::same(a.result.coefficient, b.result.coefficient) ||
      a.result.clipped_count != b.result.clipped_count || a.result.nonfinite != b.result.nonfinite)
    return false;
  for (size_t i = 0; i < a.norms.size(); ++i)
    if (!t::same(a.norms[i], b.norms[i])) return false;
  for (size_t k = 0; k < a.data.size(); ++k)
    if (a.data[k].words != b.data[k].words) return false;
  return true;
}

Outcome run(const std::vector<t::Tensor>& input, int64_t chunk, const gc_op& op, gc_cpu_pool* pool) {
  Outcome o;
  o.data = input;
  o.norms.assign(input.size(), 0.0);
  o.result = t::run(pool, o.data, chunk, op, o.norms.data());
  return o;
}

// Mixed dtypes and sizes, about 1.6M elements: well above the size where runs go multi-threaded.
std::vector<t::Tensor> make_set() {
  t::Rng rng(42);
  std::vector<t::Tensor> ts;
  const int64_t sizes[] = {1, 65535, 65537, 333333, 0, 17, 400000, 123457, 31, 600000};
  int dtype = 0;
  for (int64_t n : sizes) {
    ts.emplace_back(dtype, n);
    t::fill_random(ts.back(), rng, std::pow(10.0, static_cast<double>(rng.below(5)) - 2.0));
    dtype = (dtype + 1) % 4;
  }
  return ts;
}

}  // namespace

int main() {
  const std::vector<t::Tensor> input = make_set();
  std::vector<std::unique_ptr<t::Pool>> pools;
  for (int threads : {1, 2, 3, 7}) pools.push_back(std::make_unique<t::Pool>(threads));

  for (int64_t chunk : {int64_t{0}, int64_t{1000}}) {
    for (double p : {1.0, 2.0, double{INFINITY}, 3.0, 0.5}) {
      for (int mode : {GC_MODE_NORM, GC_MODE_GLOBAL, GC_MODE_PER_TENSOR}) {
        // Thresholds that clip: the written data must agree too.
        const gc_op op = t::make_op(mode, GC_NONFINITE_ERROR, GC_RULE_TORCH, p, mode == GC_MODE_NORM ? 1.0 : 0.5);
        bool first = true;
        Outcome baseline;
        for (int isa : t::isas()) {
          t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
          for (const auto& pool : pools) {
            for (int repeat = 0; repeat < 2; ++repeat) {
              Outcome o = run(input, chunk, op, pool->p);
              if (first) {
                baseline = std::move(o);
                first = false;
                continue;
              }
              t::expect(identical(o, baseline), "chunk %lld p=%g %s: %s with %d threads (repeat %d) differs: norm %.17g vs %.17g",
                        (long long)chunk, p, t::mode_name(mode), t::isa_name(isa), gc_cpu_pool_threads(pool->p), repeat,
                        o.result.total_norm, baseline.result.total_norm);
            }
          }
        }
        t::expect(baseline.result.total_norm > 0.0 && std::isfinite(baseline.result.total_norm), "p=%g: norm %g", p,
                  baseline.result.total_norm);
      }
    }
  }
  return t::finish("test_determinism");
}
