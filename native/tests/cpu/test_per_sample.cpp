// Per-sample clipping (FLAT and LAYER) against the reference: every input and output dtype, both
// rules, batch 1 and more, noise on and off, divisors, awkward sizes around small chunks, every policy
// with NaN and infinities, on every ISA level; the noise itself: the library's vectorized log and cos
// (cpu/noise_loops.hpp) against the C library's, z bit for bit the same on every ISA level and within
// 1e-14 of common/modes_math.hpp's, and its statistics; bit-identical across thread counts; inputs
// never written.
#include <memory>

#include "common/modes_math.hpp"
#include "modes_reference.hpp"

#include "cpu/scalar_lanes.hpp"
#include "cpu/noise_loops.hpp"

namespace {

using CpuMath = gc::cpu::NoiseMath<gc::cpu::ScalarLanes>;

// z(i, j) as the library computes it: noise_loops.hpp on one-lane registers, which every ISA level must
// match bit for bit.
double cpu_noise(uint64_t seed, uint64_t tensor, uint64_t j) { return CpuMath::normal(gc::noise_key(seed, tensor) + 2 * j); }

struct Case {
  std::vector<t::Tensor> inputs;
  std::vector<t::Tensor> outputs;  // initial contents: a pattern, to see what is (not) written
  int64_t batch = 1;
  int64_t chunk = 0;
  gc_op op{};
  std::string label;
};

struct Outcome {
  gc_result result{};
  std::vector<double> norms;
  std::vector<t::Tensor> inputs, outputs;
};

size_t norm_count(const Case& c) {
  return static_cast<size_t>(c.op.mode == GC_MODE_PER_SAMPLE_FLAT ? c.batch : c.batch * static_cast<int64_t>(c.inputs.size()));
}

Outcome run_library(gc_cpu_pool* pool, const Case& c) {
  Outcome o;
  o.inputs = c.inputs;
  o.outputs = c.outputs;
  o.norms.assign(norm_count(c) + 1, -1.0);  // one more, which must stay untouched
  t::Set set(o.inputs, c.chunk);
  const auto outs = t::views(o.outputs);
  t::require(gc_cpu_set_samples(set.s, c.batch, outs.data(), static_cast<int64_t>(outs.size())), "gc_cpu_set_samples");
  t::require(gc_cpu_run(pool, set.s, &c.op, o.norms.data(), &o.result), "gc_cpu_run");
  t::expect(o.norms.back() == -1.0, "%s: tensor_norms written past its %zu entries", c.label.c_str(), norm_count(c));
  o.norms.pop_back();
  return o;
}

void check_against_reference(gc_cpu_pool* pool, const Case& c) {
  std::vector<t::Tensor> want = c.outputs;
  const t::RefOutcome ref = t::ref_per_sample(c.inputs, c.batch, want, c.op, cpu_noise);
  for (int isa : t::isas()) {
    t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
    const std::string what = c.label + " " + t::isa_name(isa);
    const Outcome o = run_library(pool, c);
    t::expect_result(o.result, ref.result, what);
    t::expect_norms(o.norms, ref.norms, what);
    t::compare(o.outputs, want, what + ": outputs", t::Nan::kAny);
    for (size_t k = 0; k < c.inputs.size(); ++k)
      t::expect(o.inputs[k].words == c.inputs[k].words, "%s: input %zu written", what.c_str(), k);
  }
}

Case make_case(t::Rng& rng, int64_t batch, const std::vector<int64_t>& sample_sizes, int64_t chunk, const gc_op& op) {
  Case c;
  c.batch = batch;
  c.chunk = chunk;
  c.op = op;
  for (int64_t k : sample_sizes) {
    c.inputs.emplace_back(static_cast<int>(rng.below(4)), k * batch);
    t::fill_grid(c.inputs.back(), rng, static_cast<int>(rng.below(7)) - 8);
    c.outputs.emplace_back(static_cast<int>(rng.below(4)), k);
    for (int64_t j = 0; j < k; ++j) c.outputs.back().put(j, 12345.0);
  }
  return c;
}

void check_random(gc_cpu_pool* pool) {
  t::Rng rng(2024);
  for (int index = 0; index < 72; ++index) {
    const int64_t chunk = rng.pick(std::vector<int64_t>{1, 5, 64, 1000, 0});
    const int64_t ch = chunk == 0 ? 65536 : chunk;
    const int64_t batch = rng.pick(std::vector<int64_t>{1, 2, 3, 8, 33});
    const std::vector<int64_t> awkward{0, 1, 2, 31, 32, 33, 97, 1009, ch - 1, ch, ch + 1, 2 * ch + 1};
    std::vector<int64_t> sizes;
    int64_t budget = 120000 / batch;
    for (int64_t i = 0, n = 1 + rng.below(6); i < n; ++i) {
      int64_t k = rng.pick(awkward);
      if (k > budget) k = budget / 2;
      budget -= k;
      sizes.push_back(k);
    }
    const int mode = index % 2 == 0 ? GC_MODE_PER_SAMPLE_FLAT : GC_MODE_PER_SAMPLE_LAYER;
    const int rule = (index / 2) % 2;
    const int policy = (index / 4) % 3;
    const double sigma = index % 5 == 0 ? 0.0 : rng.pick(std::vector<double>{0.5, 1.0, 1.3});
    const double divisor = rng.pick(std::vector<double>{1.0, static_cast<double>(batch), 3.0});
    // Thresholds around the norms of grid data, so that some samples are clipped and some are not.
    const double threshold = rng.pick(std::vector<double>{0.0, 0.05, 0.5, 2.0, 40.0});
    const gc_op op = t::sample_op(mode, policy, rule, threshold, sigma, divisor, rng.next());
    Case c = make_case(rng, batch, sizes, chunk, op);
    c.label = t::format("case %d (%s, rule %d, policy %d, batch %lld, chunk %lld, sigma %g, divisor %g, c %g)", index,
                        t::mode_name(mode), rule, policy, (long long)batch, (long long)chunk, sigma, divisor, threshold);
    check_against_reference(pool, c);
  }
}

void check_nonfinite(gc_cpu_pool* pool) {
  t::Rng rng(8);
  int index = 0;
  for (int mode : {GC_MODE_PER_SAMPLE_FLAT, GC_MODE_PER_SAMPLE_LAYER})
    for (double special : {double{NAN}, double{INFINITY}, -double{INFINITY}})
      for (int policy : {GC_NONFINITE_ERROR, GC_NONFINITE_SKIP, GC_NONFINITE_PROPAGATE}) {
        Case c = make_case(rng, 4, {37, 100, 5}, 16, t::sample_op(mode, policy, GC_RULE_TORCH, 1.0, 1.0, 4.0, 77));
        t::Tensor& x = c.inputs[static_cast<size_t>(rng.below(3))];
        x.put(rng.below(x.count), special);
        c.label = t::format("nonfinite #%d (%s, %g, policy %d)", index++, t::mode_name(mode), special, policy);
        check_against_reference(pool, c);
      }
}

// Distance in ulps of got from want (the ulp of want's binade; 0 when both are the same).
double ulps(double got, double want) {
  if (t::same(got, want)) return 0.0;
  const double w = std::fabs(want);
  const double ulp = std::nextafter(w, INFINITY) - w;
  return std::fabs(got - want) / ulp;
}

// The library's log and cos against the C library's, over 1.3e7 arguments each: every u1 and cos
// argument the generator can produce comes from 53-bit integers, so the arguments are those integers
// at random, at both ends (u1 near 2^-53 and near 1, u2 near 0 and 1) and around the multiples of
// pi/2 where cos cancels, plus the powers of two and the neighbourhood of sqrt(1/2) where log changes
// binade.
void check_math_accuracy() {
  double worst_log = 0.0, worst_cos = 0.0, arg_log = 0.0, arg_cos = 0.0;
  const auto log_at = [&](double u) {
    const double e = ulps(CpuMath::log(u), std::log(u));
    if (e > worst_log) worst_log = e, arg_log = u;
  };
  const auto cos_at = [&](double u2) {
    const double x = 6.283185307179586 * u2;
    const double e = ulps(CpuMath::cos(x), std::cos(x));
    if (e > worst_cos) worst_cos = e, arg_cos = x;
  };
  constexpr double kU = 0x1p-53;
  uint64_t state = 12345;
  for (int64_t n = 0; n < 10000000; ++n) {
    const uint64_t v = gc::noise_mix(state++) >> 11;
    log_at(static_cast<double>(v + 1) * kU);
    cos_at(static_cast<double>(v) * kU);
  }
  for (int64_t n = 0; n < 1000000; ++n) {
    log_at(static_cast<double>(n + 1) * kU);             // u1 near 2^-53
    log_at(static_cast<double>((uint64_t{1} << 53) - n) * kU);  // u1 near 1
    cos_at(static_cast<double>(n) * kU);                 // x near 0
    cos_at(static_cast<double>((uint64_t{1} << 53) - 1 - n) * kU);  // x near 2 pi
  }
  for (int q = 1; q <= 3; ++q)  // u2 near 1/4, 1/2, 3/4: x near pi/2, pi, 3 pi/2
    for (int64_t n = -1000000; n < 1000000; ++n)
      cos_at(static_cast<double>(static_cast<int64_t>(q) * (int64_t{1} << 51) + n) * kU);
  for (int e = 0; e <= 53; ++e) {  // around each power of two and each sqrt(1/2) * 2^-e
    for (double u : {std::ldexp(1.0, -e), std::ldexp(0.70710678118654752, -e)})
      for (int d = -1000; d <= 1000; ++d) {
        double x = u;
        for (int s = 0; s < std::abs(d); ++s) x = std::nextafter(x, d < 0 ? 0.0 : 2.0);
        if (x >= kU && x <= 1.0) log_at(x);
      }
  }
  std::printf("noise math: max error against the C library %.3f ulp for log (at %.17g), %.3f ulp for cos (at %.17g)\n",
              worst_log, arg_log, worst_cos, arg_cos);
  t::expect(worst_log <= 2.0, "log: %.3f ulp from std::log at %.17g", worst_log, arg_log);
  t::expect(worst_cos <= 2.0, "cos: %.3f ulp from std::cos at %.17g", worst_cos, arg_cos);
}

// With zero input, one tensor and fp64 output, the output is z itself: on every ISA level bit for bit
// the value of cpu/noise_loops.hpp, within 1e-14 of common/modes_math.hpp's noise_normal (the C
// library's log and cos) and of the transcription of docs/SEMANTICS.md; then its moments.
void check_noise(gc_cpu_pool* pool) {
  constexpr int64_t kElems = 1 << 20;
  double worst = 0.0;
  for (int isa : t::isas()) {
    t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
    for (uint64_t seed : {uint64_t{0}, uint64_t{42}, ~uint64_t{0}}) {
      Case c;
      c.batch = 2;
      c.inputs.emplace_back(GC_DTYPE_F32, 2 * 17);
      c.inputs.emplace_back(GC_DTYPE_BF16, 2 * kElems);
      c.outputs.emplace_back(GC_DTYPE_F64, 17);
      c.outputs.emplace_back(GC_DTYPE_F64, kElems);
      c.op = t::sample_op(GC_MODE_PER_SAMPLE_LAYER, GC_NONFINITE_ERROR, GC_RULE_EXACT, 2.0, 0.25, 0.5, seed);  // std 0.5, /0.5
      const Outcome o = run_library(pool, c);
      int64_t mismatched = 0, far = 0;
      double sum = 0.0, sum_sq = 0.0;
      for (size_t i = 0; i < 2; ++i) {
        const uint64_t key = gc::noise_key(seed, i);
        for (int64_t j = 0; j < o.outputs[i].count; ++j) {
          const auto jj = static_cast<uint64_t>(j);
          const double z = o.outputs[i].get(j);  // fma(0.5, z, 0) / 0.5 == z exactly
          const double mine = cpu_noise(seed, i, jj), libm = gc::noise_normal(key, jj);
          if (!t::same(z, mine) && ++mismatched <= 3)
            t::expect(false, "%s seed %llu tensor %zu element %lld: z %.17g, want %.17g", t::isa_name(isa),
                      (unsigned long long)seed, i, (long long)j, z, mine);
          const double d = std::max(std::fabs(z - libm), std::fabs(z - t::ref_noise(seed, i, jj)));
          worst = std::max(worst, d);
          if (!(d <= 1e-14) && ++far <= 3)
            t::expect(false, "%s seed %llu tensor %zu element %lld: z %.17g, modes_math %.17g (%g apart)", t::isa_name(isa),
                      (unsigned long long)seed, i, (long long)j, z, libm, d);
          if (i == 1) {
            sum += z;
            sum_sq += z * z;
          }
        }
      }
      t::expect(mismatched == 0 && far == 0, "%s seed %llu: %lld noise values differ from noise_loops.hpp, %lld from modes_math",
                t::isa_name(isa), (unsigned long long)seed, (long long)mismatched, (long long)far);
      const double mean = sum / kElems, var = sum_sq / kElems - mean * mean;
      // Standard errors at 2^20 samples: 0.001 for the mean, 0.0014 for the variance.
      t::expect(std::fabs(mean) < 0.006 && std::fabs(var - 1.0) < 0.008, "seed %llu: noise mean %g, variance %g",
                (unsigned long long)seed, mean, var);
    }
  }
  std::printf("noise: z bit-identical on every ISA level; at most %.3g from the C library's (modes_math.hpp)\n", worst);
  // Another seed gives other noise.
  const double a = cpu_noise(1, 0, 0), b = cpu_noise(2, 0, 0);
  t::expect(a != b, "seeds 1 and 2 give the same first value %g", a);
}

void check_determinism() {
  t::Rng rng(31);
  Case base_case = make_case(rng, 4, {300007, 65536, 1, 0, 70001}, 4096,
                             t::sample_op(GC_MODE_PER_SAMPLE_FLAT, GC_NONFINITE_ERROR, GC_RULE_TORCH, 1.0, 1.1, 4.0, 9));
  for (auto& x : base_case.inputs) t::fill_random(x, rng, 0.01);
  std::vector<std::unique_ptr<t::Pool>> pools;
  for (int threads : {1, 2, 3, 7}) pools.push_back(std::make_unique<t::Pool>(threads));
  for (int mode : {GC_MODE_PER_SAMPLE_FLAT, GC_MODE_PER_SAMPLE_LAYER}) {
    Case c = base_case;
    c.op.mode = mode;
    bool first = true;
    Outcome base;
    for (int isa : t::isas()) {
      t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
      for (const auto& pool : pools) {
        Outcome o = run_library(pool->p, c);
        if (first) {
          base = std::move(o);
          first = false;
          t::expect(base.result.clipped_count > 0, "%s: nothing clipped", t::mode_name(mode));
          continue;
        }
        const std::string what = t::format("%s %s, %d threads", t::mode_name(mode), t::isa_name(isa), gc_cpu_pool_threads(pool->p));
        t::expect_result(o.result, base.result, what);
        t::expect_norms(o.norms, base.norms, what);
        for (size_t k = 0; k < o.outputs.size(); ++k)
          t::expect(o.outputs[k].words == base.outputs[k].words, "%s: output %zu differs", what.c_str(), k);
      }
    }
  }
}

}  // namespace

int main() {
  t::Pool pool(2);
  check_random(pool.p);
  check_nonfinite(pool.p);
  check_math_accuracy();
  check_noise(pool.p);
  check_determinism();
  return t::finish("test_per_sample");
}
