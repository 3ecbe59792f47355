// Values at the ends of each format: fp32 magnitudes from 1e-30 to 1e30 in one set, fp16 at +-65504
// and in its subnormal range, bf16 near its largest value, fp64 subnormals. Norms match the reference
// within the summation bound and nothing overflows or flushes where the reference does not.
#include "support.hpp"

namespace {

constexpr int64_t kChunk = 4096;

void check(t::Pool& pool, std::vector<t::Tensor> ts, const char* what) {
  for (int isa : t::isas()) {
    t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
    for (double p : {1.0, 2.0, double{INFINITY}, 3.0, 0.5}) {
      const t::RefNorms ref = t::ref_norms(ts, p);
      int64_t n = 0;
      for (const auto& x : ts) n += x.count;
      const double tol = p == INFINITY ? 0.0 : t::sum_tolerance(n, n / kChunk + 4) * 2.0 + 0x1p-50;
      std::vector<t::Tensor> got = ts;
      std::vector<double> norms(ts.size());
      // GLOBAL with a threshold far below the norm: scaled output is checked bit for bit too.
      const gc_op op = t::make_op(GC_MODE_GLOBAL, GC_NONFINITE_ERROR, GC_RULE_EXACT, p, ref.total * 1e-3);
      const gc_result r = t::run(pool.p, got, kChunk, op, norms.data());
      t::expect(t::close(r.total_norm, ref.total, tol), "%s %s p=%g: norm %.17g, reference %.17g", t::isa_name(isa), what,
                p, r.total_norm, ref.total);
      t::expect(r.total_norm > 0.0 && std::isfinite(r.total_norm) && r.nonfinite == 0, "%s %s p=%g: norm %g nonfinite %d",
                t::isa_name(isa), what, p, r.total_norm, r.nonfinite);
      for (size_t i = 0; i < ts.size(); ++i)
        t::expect(t::close(norms[i], ref.norms[i], tol), "%s %s p=%g: tensor %zu norm %.17g, reference %.17g",
                  t::isa_name(isa), what, p, i, norms[i], ref.norms[i]);
      std::vector<t::Tensor> want = ts;
      for (auto& x : want) t::ref_scale(x, r.coefficient);
      t::compare(got, want, t::format("%s %s scaled p=%g", t::isa_name(isa), what, p));
    }
  }
}

}  // namespace

int main() {
  t::Pool pool(2);
  t::Rng rng(11);

  std::vector<t::Tensor> wide{t::Tensor(GC_DTYPE_F32, 50021)};  // log-uniform in [1e-30, 1e30], random signs
  for (int64_t i = 0; i < wide[0].count; ++i)
    wide[0].put(i, (rng.below(2) ? -1.0 : 1.0) * std::pow(10.0, 60.0 * rng.uniform() - 30.0));
  check(pool, wide, "f32 1e-30..1e30");

  std::vector<t::Tensor> big32{t::Tensor(GC_DTYPE_F32, 9001)};  // squares near 1e77, no overflow in fp64
  for (int64_t i = 0; i < big32[0].count; ++i) big32[0].put(i, (i % 3 ? 1.0 : -1.0) * 3.4028234663852886e38);
  check(pool, big32, "f32 max");

  std::vector<t::Tensor> half{t::Tensor(GC_DTYPE_F16, 70001), t::Tensor(GC_DTYPE_F16, 3001)};
  for (int64_t i = 0; i < half[0].count; ++i) half[0].put(i, i % 2 ? 65504.0 : -65504.0);
  for (int64_t i = 0; i < half[1].count; ++i) half[1].put(i, static_cast<double>(i % 1024) * 0x1p-24);  // subnormals
  check(pool, half, "f16 +-65504 and subnormals");

  std::vector<t::Tensor> brain{t::Tensor(GC_DTYPE_BF16, 40000), t::Tensor(GC_DTYPE_BF16, 777)};
  for (int64_t i = 0; i < brain[0].count; ++i) brain[0].put(i, (i % 2 ? 1.0 : -1.0) * 3.3e38 * rng.uniform());
  for (int64_t i = 0; i < brain[1].count; ++i) brain[1].put(i, rng.normal() * 1e-38);  // bf16 subnormals
  check(pool, brain, "bf16 near max and subnormal");

  std::vector<t::Tensor> tiny64{t::Tensor(GC_DTYPE_F64, 5000), t::Tensor(GC_DTYPE_F64, 100)};
  for (int64_t i = 0; i < tiny64[0].count; ++i) tiny64[0].put(i, rng.normal() * 1e-310);  // subnormal doubles
  for (int64_t i = 0; i < tiny64[1].count; ++i) tiny64[1].put(i, rng.normal() * 1e100);
  check(pool, tiny64, "f64 subnormal and 1e100");

  return t::finish("test_extremes");
}
