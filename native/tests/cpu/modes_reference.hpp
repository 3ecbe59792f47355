// A plain sequential reference of BLOCK_RMS, AGC and the per-sample modes, written from
// docs/SEMANTICS.md without the library's headers (like support.hpp's), plus data whose sums are exact.
//
// The library adds in its own order and the reference in element order, so on arbitrary data their
// sums, hence coefficients, hence written values can differ in the last bits. On "grid" data (small
// integers times a power of two per tensor, exact in every dtype) every square and every sum is exact
// in fp64 in any order, so there the two must agree bit for bit.
#pragma once
#include "support.hpp"

namespace t {

// Small integers in [-255, 255] times 2^exp: exact in bf16 and fp16 for moderate exp.
inline void fill_grid(Tensor& x, Rng& rng, int exp) {
  for (int64_t i = 0; i < x.count; ++i) x.put(i, std::ldexp(static_cast<double>(rng.below(511) - 255), exp));
}

inline gc_op agc_op(int nonfinite, double lambda, double eps) {
  gc_op op = make_op(GC_MODE_AGC, nonfinite, GC_RULE_TORCH, 2.0, lambda);
  op.eps = eps;
  return op;
}

inline gc_op sample_op(int mode, int nonfinite, int rule, double threshold, double sigma, double divisor, uint64_t seed) {
  gc_op op = make_op(mode, nonfinite, rule, 2.0, threshold);
  op.noise_multiplier = sigma;
  op.divisor = divisor;
  op.seed = seed;
  return op;
}

struct RefOutcome {
  gc_result result{};
  std::vector<double> norms;
};

inline double nan_value() { return std::numeric_limits<double>::quiet_NaN(); }
inline double ref_min(double a, double b) { return a != a || b != b ? nan_value() : (a < b ? a : b); }

// ---------------------------------------------------------------------------------------- BLOCK_RMS

inline RefOutcome ref_block_rms(std::vector<Tensor>& ts, const gc_op& op) {
  RefOutcome o;
  const RefNorms sums = ref_norms(ts, 2.0);
  o.result = gc_result{std::sqrt(sums.total_sum), 1.0, 0, 0, sums.nonfinite ? 1 : 0};
  std::vector<double> coefs;
  for (size_t i = 0; i < ts.size(); ++i) {
    const double rms = ts[i].count == 0 ? 0.0 : std::sqrt(sums.sums[i] / static_cast<double>(ts[i].count));
    o.norms.push_back(rms);
    coefs.push_back(ref_coefficient(op.rule, rms, op.threshold));
    o.result.coefficient = ref_min(o.result.coefficient, coefs.back());
  }
  if (sums.nonfinite && op.nonfinite != GC_NONFINITE_PROPAGATE) return o;
  for (size_t i = 0; i < ts.size(); ++i)
    if (ref_must_scale(coefs[i])) {
      ref_scale(ts[i], coefs[i]);
      ++o.result.clipped_count;
    }
  o.result.clipped = o.result.clipped_count > 0;
  return o;
}

// ---------------------------------------------------------------------------------------------- AGC

struct RefUnits {
  Tensor params;
  int64_t units = 1;
  int layout = GC_UNITS_WHOLE;
  gc_units view() { return gc_units{params.count > 0 ? params.data() : nullptr, units, layout, params.dtype}; }
};

// Element k of unit u of a tensor with `count` elements.
inline int64_t unit_element(const RefUnits& u, int64_t count, int64_t unit, int64_t k) {
  const int64_t per_unit = count / u.units;
  return u.layout == GC_UNITS_COLUMNS ? k * u.units + unit : unit * per_unit + k;
}

inline double ref_agc_coefficient(double g, double p, double lambda, double eps) {
  const double m = lambda * (p != p ? p : (p > eps ? p : eps));
  if (g != g || m != m) return nan_value();
  if (g < m) return 1.0;
  return m / (g > 1e-6 ? g : 1e-6);
}

inline RefOutcome ref_agc(std::vector<Tensor>& grads, const std::vector<RefUnits>& units, const gc_op& op) {
  RefOutcome o;
  o.result = gc_result{0.0, 1.0, 0, 0, 0};
  std::vector<std::vector<double>> coefs(grads.size());
  double total = 0.0;
  for (size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    const RefUnits& u = units[i];
    const int64_t per_unit = u.units > 0 ? g.count / u.units : 0;
    double s = 0.0;
    for (int64_t unit = 0; unit < u.units; ++unit) {
      double gs = 0.0, ps = 0.0;
      for (int64_t k = 0; k < per_unit; ++k) {
        const int64_t e = unit_element(u, g.count, unit, k);
        const double x = g.get(e), w = u.params.get(e);
        o.result.nonfinite |= !std::isfinite(x) || !std::isfinite(w);
        gs += x * x;
        ps += w * w;
      }
      s += gs;
      // The units of an empty tensor have no elements: no part in the coefficient or the count.
      const double c = g.count == 0 ? 1.0 : ref_agc_coefficient(std::sqrt(gs), std::sqrt(ps), op.threshold, op.eps);
      coefs[i].push_back(c);
      o.result.coefficient = ref_min(o.result.coefficient, c);
    }
    o.norms.push_back(std::sqrt(s));
    total += s;
  }
  o.result.total_norm = std::sqrt(total);
  if (o.result.nonfinite && op.nonfinite != GC_NONFINITE_PROPAGATE) return o;
  for (size_t i = 0; i < grads.size(); ++i) {
    const int64_t per_unit = units[i].units > 0 ? grads[i].count / units[i].units : 0;
    for (int64_t unit = 0; unit < units[i].units; ++unit) {
      const double c = coefs[i][static_cast<size_t>(unit)];
      if (!ref_must_scale(c)) continue;
      ++o.result.clipped_count;
      for (int64_t k = 0; k < per_unit; ++k) {
        const int64_t e = unit_element(units[i], grads[i].count, unit, k);
        grads[i].put(e, grads[i].get(e) * c);
      }
    }
  }
  o.result.clipped = o.result.clipped_count > 0;
  return o;
}

// --------------------------------------------------------------------------------------- per-sample

// The counter-based normal of docs/SEMANTICS.md, step 4, transcribed (with the C library's log and cos).
inline uint64_t ref_mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
inline double ref_noise(uint64_t seed, uint64_t tensor, uint64_t j) {
  const uint64_t key = ref_mix(seed ^ ref_mix(tensor));
  const double u1 = static_cast<double>((ref_mix(key + 2 * j) >> 11) + 1) * 0x1p-53;
  const double u2 = static_cast<double>(ref_mix(key + 2 * j + 1) >> 11) * 0x1p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// z(seed, tensor, j): ref_noise, or a backend's own evaluation of the same formula (its log and cos).
using NoiseFn = double (*)(uint64_t seed, uint64_t tensor, uint64_t j);

// norms: B (FLAT) or B*n (LAYER) doubles.
inline RefOutcome ref_per_sample(const std::vector<Tensor>& xs, int64_t batch, std::vector<Tensor>& outs, const gc_op& op,
                                 NoiseFn noise = ref_noise) {
  RefOutcome o;
  o.result = gc_result{0.0, 1.0, 0, 0, 0};
  const size_t n = xs.size();
  std::vector<double> sums(static_cast<size_t>(batch) * n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t k = xs[i].count / batch;
    for (int64_t b = 0; b < batch; ++b) {
      double s = 0.0;
      for (int64_t j = 0; j < k; ++j) {
        const double x = xs[i].get(b * k + j);
        o.result.nonfinite |= !std::isfinite(x);
        s += x * x;
      }
      sums[static_cast<size_t>(b) * n + i] = s;
    }
  }
  std::vector<double> coefs(sums.size());  // [b * n + i]
  const bool flat = op.mode == GC_MODE_PER_SAMPLE_FLAT;
  int64_t clipped = 0;
  const auto account = [&](double norm, double c) {
    o.norms.push_back(norm);
    o.result.total_norm = ref_max(o.result.total_norm, norm);
    o.result.coefficient = ref_min(o.result.coefficient, c);
    clipped += ref_must_scale(c) ? 1 : 0;
  };
  for (int64_t b = 0; b < batch; ++b) {
    const size_t row = static_cast<size_t>(b) * n;
    if (flat) {
      double s = 0.0;
      for (size_t i = 0; i < n; ++i) s += sums[row + i];
      const double c = ref_coefficient(op.rule, std::sqrt(s), op.threshold);
      for (size_t i = 0; i < n; ++i) coefs[row + i] = c;
      account(std::sqrt(s), c);
    } else {
      for (size_t i = 0; i < n; ++i) {
        coefs[row + i] = ref_coefficient(op.rule, std::sqrt(sums[row + i]), op.threshold);
        account(std::sqrt(sums[row + i]), coefs[row + i]);
      }
    }
  }
  if (o.result.nonfinite && op.nonfinite != GC_NONFINITE_PROPAGATE) return o;
  for (size_t i = 0; i < n; ++i) {
    const int64_t k = xs[i].count / batch;
    for (int64_t j = 0; j < k; ++j) {
      double a = 0.0;
      for (int64_t b = 0; b < batch; ++b) a = std::fma(xs[i].get(b * k + j), coefs[static_cast<size_t>(b) * n + i], a);
      if (op.noise_multiplier > 0.0) a = std::fma(op.noise_multiplier * op.threshold, noise(op.seed, i, static_cast<uint64_t>(j)), a);
      outs[i].put(j, a / op.divisor);
    }
  }
  o.result.clipped_count = clipped;
  o.result.clipped = clipped > 0;
  return o;
}

// ------------------------------------------------------------------------------------- comparing

inline bool same_result(const gc_result& got, const gc_result& want) {
  return same(got.total_norm, want.total_norm) && same(got.coefficient, want.coefficient) &&
         got.clipped_count == want.clipped_count && got.clipped == want.clipped && got.nonfinite == want.nonfinite;
}

inline void expect_result(const gc_result& got, const gc_result& want, const std::string& what) {
  expect(same_result(got, want),
         "%s: result {norm %.17g, coef %.17g, clipped %lld/%d, nonfinite %d}, want {%.17g, %.17g, %lld/%d, %d}", what.c_str(),
         got.total_norm, got.coefficient, (long long)got.clipped_count, got.clipped, got.nonfinite, want.total_norm,
         want.coefficient, (long long)want.clipped_count, want.clipped, want.nonfinite);
}

inline void expect_norms(const std::vector<double>& got, const std::vector<double>& want, const std::string& what) {
  expect(got.size() == want.size(), "%s: %zu norms, want %zu", what.c_str(), got.size(), want.size());
  int shown = 0;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i)
    if (!same(got[i], want[i]) && shown++ < 3)
      expect(false, "%s: norm %zu is %.17g, want %.17g", what.c_str(), i, got[i], want[i]);
}

}  // namespace t
