// Random sets against the plain reference: every dtype (mixed within a set), every mode, p in
// {1, 2, inf, 3, 0.5}, both rules, every policy, awkward sizes, on every ISA level. Norms agree within
// the stated summation bound; everything written agrees bit for bit.
#include "support.hpp"

namespace {

constexpr int kTrials = 80;                  // each run on every ISA level
constexpr int64_t kElementBudget = 1000000;  // per set, so the whole test stays within seconds

const std::vector<double> kNormTypes{1.0, 2.0, INFINITY, 3.0, 0.5};

int64_t pick_size(t::Rng& rng, int64_t chunk) {
  const int64_t c = chunk == 0 ? 65536 : chunk;
  const std::vector<int64_t> awkward{0, 1, 2, 31, 32, 33, 97, 997, 7919, 65537, 104729, 199999,
                                     c - 1, c, c + 1, 2 * c + 1, 3 * c - 1};
  return rng.below(3) == 0 ? rng.below(200001) : rng.pick(awkward);
}

struct Trial {
  std::vector<t::Tensor> tensors;
  int64_t chunk;
  int64_t chunks = 0;
  gc_op op;
  t::RefNorms ref;  // for op.norm_type
};

// Trial i cycles through the operation's fields with coprime periods (mode 5, rule 2, policy 3) and p
// every 5 trials, so every (mode, p) and every (mode, rule, policy) combination comes up; the data is
// random.
Trial make_trial(int index, t::Rng& rng) {
  Trial tr;
  tr.chunk = rng.pick(std::vector<int64_t>{1000, 1024, 4097, 0});
  const int64_t n = rng.pick(std::vector<int64_t>{1, 2, 7, 40, 300});
  const bool mixed = rng.below(2) == 0;
  const int dtype = static_cast<int>(rng.below(4));
  int64_t budget = kElementBudget;
  for (int64_t i = 0; i < n; ++i) {
    int64_t size = pick_size(rng, tr.chunk);
    if (size > budget) size = rng.below(budget / (n - i) + 1);
    budget -= size;
    tr.tensors.emplace_back(mixed ? static_cast<int>(rng.below(4)) : dtype, size);
    t::fill_random(tr.tensors.back(), rng, std::pow(10.0, static_cast<double>(rng.below(7)) - 3.0));
    const int64_t c = tr.chunk == 0 ? 65536 : tr.chunk;
    tr.chunks += (size + c - 1) / c;
  }
  const int mode = index % 5;
  const double p = kNormTypes[static_cast<size_t>(index / 5) % kNormTypes.size()];
  const int rule = index % 2;
  const int policy = index % 3;
  double threshold = 1.0;
  tr.ref = t::ref_norms(tr.tensors, p);
  const t::RefNorms& ref = tr.ref;
  switch (mode) {
    case GC_MODE_GLOBAL:  // well below or above the norm, so both sides of the coefficient agree
      threshold = ref.total * rng.pick(std::vector<double>{0.25, 0.5, 2.0, 0.0});
      break;
    case GC_MODE_PER_TENSOR: {  // the median tensor norm: some tensors clipped, some not
      std::vector<double> sorted = ref.norms;
      std::sort(sorted.begin(), sorted.end());
      threshold = sorted[sorted.size() / 2] * 0.999;
      break;
    }
    case GC_MODE_VALUE: {  // often exactly an element's magnitude: equal is inside, not clipped
      const t::Tensor& x = rng.pick(tr.tensors);
      threshold = x.count > 0 && rng.below(4) != 0 ? std::fabs(x.get(rng.below(x.count))) : rng.uniform();
      break;
    }
    case GC_MODE_SCALE:
      threshold = rng.pick(std::vector<double>{1.0, 0.5, -2.0, 1.0 / 3.0, 0.0});
      break;
    default:
      break;
  }
  tr.op = t::make_op(mode, policy, rule, p, threshold);
  return tr;
}

int64_t elements(const std::vector<t::Tensor>& ts) {
  int64_t n = 0;
  for (const auto& x : ts) n += x.count;
  return n;
}

void check_trial(const Trial& tr, int isa, t::Pool& pool, int index) {
  const gc_op& op = tr.op;
  const std::string what = t::format("%s trial %d %s p=%g policy %d rule %d, %zu tensors, chunk %lld", t::isa_name(isa),
                                     index, t::mode_name(op.mode), op.norm_type, op.nonfinite, op.rule,
                                     tr.tensors.size(), (long long)tr.chunk);
  std::vector<t::Tensor> got = tr.tensors;
  t::Set set(got, tr.chunk);
  t::expect(gc_cpu_set_chunks(set.s) == tr.chunks, "%s: %lld chunks, want %lld", what.c_str(),
            (long long)gc_cpu_set_chunks(set.s), (long long)tr.chunks);
  std::vector<double> norms(got.size(), -1.0);
  gc_result r;
  t::require(gc_cpu_run(pool.p, set.s, &op, norms.data(), &r), what.c_str());

  std::vector<t::Tensor> want = tr.tensors;
  const bool norm_based = op.mode <= GC_MODE_PER_TENSOR;
  if (norm_based) {
    const double p = op.norm_type;
    const double root = p < 1.0 ? 1.0 / p : 1.0;  // a root of the sum scales its relative error by 1/p
    const t::RefNorms& ref = tr.ref;
    const double tol = p == INFINITY ? 0.0 : t::sum_tolerance(elements(tr.tensors), tr.chunks) * root + 0x1p-50;
    t::expect(t::close(r.total_norm, ref.total, tol), "%s: total norm %.17g, reference %.17g", what.c_str(),
              r.total_norm, ref.total);
    for (size_t i = 0; i < got.size(); ++i)
      t::expect(t::close(norms[i], ref.norms[i], tol), "%s: tensor %zu norm %.17g, reference %.17g", what.c_str(), i,
                norms[i], ref.norms[i]);
    t::expect(r.nonfinite == ref.nonfinite, "%s: nonfinite %d", what.c_str(), r.nonfinite);
    if (op.mode == GC_MODE_NORM) {
      t::expect(r.coefficient == 1.0 && r.clipped == 0 && r.clipped_count == 0, "%s: NORM result fields", what.c_str());
    } else if (op.mode == GC_MODE_GLOBAL) {
      const double ref_coef = t::ref_coefficient(op.rule, ref.total, op.threshold);
      t::expect(t::close(r.coefficient, ref_coef, tol + 0x1p-50), "%s: coefficient %.17g, reference %.17g", what.c_str(),
                r.coefficient, ref_coef);
      // What is written follows the library's own coefficient, bit for bit.
      const bool write = t::ref_must_scale(r.coefficient);
      if (write)
        for (auto& x : want) t::ref_scale(x, r.coefficient);
      t::expect(r.clipped == write && r.clipped_count == (write ? 1 : 0), "%s: clipped %d count %lld", what.c_str(),
                r.clipped, (long long)r.clipped_count);
    } else {
      double smallest = 1.0;
      int64_t written = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        const double coef = t::ref_coefficient(op.rule, norms[i], op.threshold);
        smallest = coef < smallest ? coef : smallest;
        if (t::ref_must_scale(coef)) {
          t::ref_scale(want[i], coef);
          ++written;
        }
      }
      t::expect(r.coefficient == smallest, "%s: coefficient %.17g, smallest %.17g", what.c_str(), r.coefficient, smallest);
      t::expect(r.clipped_count == written && r.clipped == (written > 0), "%s: clipped %d count %lld, want %lld",
                what.c_str(), r.clipped, (long long)r.clipped_count, (long long)written);
    }
  } else {
    t::expect(std::isnan(r.total_norm), "%s: total_norm %g, want NaN", what.c_str(), r.total_norm);
    t::expect(norms[0] == -1.0, "%s: tensor_norms written", what.c_str());
    t::expect(r.nonfinite == 0, "%s: nonfinite reported for finite data", what.c_str());
    if (op.mode == GC_MODE_VALUE) {
      int64_t changed = 0;
      for (auto& x : want) changed += t::ref_clamp(x, op.threshold);
      t::expect(r.clipped_count == changed && r.clipped == (changed > 0) && r.coefficient == 1.0,
                "%s: changed %lld, want %lld", what.c_str(), (long long)r.clipped_count, (long long)changed);
    } else {
      const bool write = op.threshold != 1.0;
      if (write)
        for (auto& x : want) t::ref_scale(x, op.threshold);
      t::expect(r.clipped == write && r.clipped_count == (write ? 1 : 0) && r.coefficient == op.threshold,
                "%s: SCALE result fields", what.c_str());
    }
  }
  t::compare(got, want, what + ": data");
}

}  // namespace

int main() {
  t::Pool pool(2);
  t::Rng rng(0x9a11);
  for (int trial = 0; trial < kTrials; ++trial) {
    const Trial tr = make_trial(trial, rng);
    for (int isa : t::isas()) {
      t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
      check_trial(tr, isa, pool, trial);
    }
  }
  return t::finish("test_parity");
}
