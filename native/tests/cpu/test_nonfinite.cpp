// NaN and infinity at the start, middle and end of a tensor, under every policy and mode: what is
// reported, what the norm becomes, and that ERROR/SKIP write nothing. A sum of finite values that
// overflows is not a non-finite element.
#include "support.hpp"

namespace {

constexpr int64_t kChunk = 1000;
// Lengths around the chunk size so the bad element lands in a full block, a tail block, a last chunk.
const std::vector<int64_t> kLengths{5003, 999, 1000, 33};

struct Placement {
  const char* name;
  int64_t (*index)(int64_t n);
};
const Placement kPlacements[] = {
    {"start", [](int64_t) -> int64_t { return 0; }},
    {"middle", [](int64_t n) -> int64_t { return n / 2; }},
    {"end", [](int64_t n) -> int64_t { return n - 1; }},
};

void check_case(t::Pool& pool, int dtype, int64_t length, const Placement& where, double bad, int mode, int policy,
                double p) {
  t::Rng rng(static_cast<uint64_t>(length) * 31u + static_cast<uint64_t>(dtype));
  std::vector<t::Tensor> ts{t::Tensor(GC_DTYPE_F32, 300), t::Tensor(dtype, length), t::Tensor(GC_DTYPE_F64, 50)};
  for (auto& x : ts) t::fill_random(x, rng, 10.0);
  ts[1].put(where.index(length), bad);
  const std::vector<t::Tensor> original = ts;
  const std::string what = t::format("%s %s n=%lld, %g at %s, %s policy %d p=%g", t::isa_name(gc_cpu_isa()),
                                     t::dtype_name(dtype), (long long)length, bad, where.name, t::mode_name(mode),
                                     policy, p);

  const double threshold = mode == GC_MODE_VALUE ? 5.0 : 1.0;  // both clip the finite data too
  const gc_op op = t::make_op(mode, policy, GC_RULE_TORCH, p, threshold);
  std::vector<double> norms(3, -1.0);
  const gc_result r = t::run(pool.p, ts, kChunk, op, norms.data());

  t::expect(r.nonfinite == (mode == GC_MODE_SCALE ? 0 : 1), "%s: nonfinite %d", what.c_str(), r.nonfinite);
  const bool nan = bad != bad;
  if (mode <= GC_MODE_PER_TENSOR) {
    // NaN wins over everything, for the max norm too; an infinity makes the norm infinite.
    const bool total_ok = nan ? std::isnan(r.total_norm) : r.total_norm == INFINITY;
    t::expect(total_ok, "%s: total norm %g", what.c_str(), r.total_norm);
    t::expect(nan ? std::isnan(norms[1]) : norms[1] == INFINITY, "%s: its tensor's norm %g", what.c_str(), norms[1]);
    const t::RefNorms ref = t::ref_norms(original, p);
    const double tol = p == INFINITY ? 0.0 : t::sum_tolerance(5003, 10) * 2.0;
    t::expect(t::close(norms[0], ref.norms[0], tol) && t::close(norms[2], ref.norms[2], tol),
              "%s: the finite tensors' norms %g %g, reference %g %g", what.c_str(), norms[0], norms[2], ref.norms[0],
              ref.norms[2]);
  }

  std::vector<t::Tensor> want = original;
  const bool writes = policy == GC_NONFINITE_PROPAGATE || mode == GC_MODE_SCALE || mode == GC_MODE_NORM;
  if (!writes) {
    t::expect(r.clipped == 0 && r.clipped_count == 0, "%s: clipped %d count %lld under ERROR/SKIP", what.c_str(),
              r.clipped, (long long)r.clipped_count);
  } else if (mode == GC_MODE_GLOBAL) {
    // coef(NaN) is NaN and coef(inf) is 0: both applied to every element under PROPAGATE.
    t::expect(nan ? std::isnan(r.coefficient) : r.coefficient == 0.0, "%s: coefficient %g", what.c_str(), r.coefficient);
    for (auto& x : want) t::ref_scale(x, r.coefficient);
  } else if (mode == GC_MODE_PER_TENSOR) {
    t::expect(nan ? std::isnan(r.coefficient) : r.coefficient == 0.0, "%s: coefficient %g", what.c_str(), r.coefficient);
    for (size_t i = 0; i < want.size(); ++i) {
      const double coef = t::ref_coefficient(GC_RULE_TORCH, norms[i], threshold);
      if (t::ref_must_scale(coef)) t::ref_scale(want[i], coef);
    }
  } else if (mode == GC_MODE_VALUE) {
    int64_t changed = 0;
    for (auto& x : want) changed += t::ref_clamp(x, threshold);
    t::expect(r.clipped_count == changed, "%s: changed %lld, want %lld", what.c_str(), (long long)r.clipped_count,
              (long long)changed);
  } else if (mode == GC_MODE_SCALE) {
    for (auto& x : want) t::ref_scale(x, threshold);
  }
  t::compare(ts, want, what + ": data", t::Nan::kSameSign);
}

// Finite values whose power sum overflows: the norm is infinite, nothing non-finite was seen, and
// the clip (coefficient 0) goes ahead even under ERROR.
void check_overflow(t::Pool& pool) {
  struct Case {
    int dtype;
    double value;
    double p;
  };
  const Case cases[] = {{GC_DTYPE_F64, 1e200, 2.0}, {GC_DTYPE_F64, 1.7e308, 1.0}, {GC_DTYPE_F32, 1e30, 20.0},
                        {GC_DTYPE_BF16, 3e38, 9.0}};
  for (const Case& c : cases) {
    for (int isa : t::isas()) {
      t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
      std::vector<t::Tensor> ts{t::Tensor(c.dtype, 2500)};
      for (int64_t i = 0; i < ts[0].count; ++i) ts[0].put(i, i % 2 ? c.value : -c.value);
      const std::string what =
          t::format("%s overflow %s %g p=%g", t::isa_name(isa), t::dtype_name(c.dtype), c.value, c.p);
      const gc_op op = t::make_op(GC_MODE_GLOBAL, GC_NONFINITE_ERROR, GC_RULE_EXACT, c.p, 1.0);
      const gc_result r = t::run(pool.p, ts, kChunk, op);
      t::expect(r.total_norm == INFINITY && r.nonfinite == 0, "%s: norm %g nonfinite %d", what.c_str(), r.total_norm,
                r.nonfinite);
      t::expect(r.coefficient == 0.0 && r.clipped == 1, "%s: coefficient %g clipped %d", what.c_str(), r.coefficient,
                r.clipped);
      t::expect(ts[0].get(0) == 0.0 && ts[0].get(2499) == 0.0, "%s: not scaled to zero", what.c_str());
    }
  }
}

// A set large enough for the threaded path, with one NaN in its last chunk.
void check_parallel(t::Pool& pool) {
  std::vector<t::Tensor> ts{t::Tensor(GC_DTYPE_F32, 700001)};
  t::Rng rng(3);
  t::fill_random(ts[0], rng, 1.0);
  ts[0].put(699999, NAN);
  const std::vector<t::Tensor> original = ts;
  t::Set set(ts, 0);
  for (int mode : {GC_MODE_GLOBAL, GC_MODE_VALUE}) {
    gc_result r;
    const gc_op op = t::make_op(mode, GC_NONFINITE_SKIP, GC_RULE_TORCH, INFINITY, 0.5);
    t::require(gc_cpu_run(pool.p, set.s, &op, nullptr, &r), "parallel run");
    t::expect(r.nonfinite == 1 && r.clipped == 0, "parallel %s: nonfinite %d clipped %d", t::mode_name(mode),
              r.nonfinite, r.clipped);
    t::compare(ts, original, std::string("parallel ") + t::mode_name(mode));
  }
}

}  // namespace

int main() {
  t::Pool pool(2);
  for (int isa : t::isas()) {
    t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
    for (int dtype = 0; dtype < 4; ++dtype)
      for (int64_t length : kLengths)
        for (const Placement& where : kPlacements)
          for (double bad : {NAN, INFINITY, -INFINITY})
            for (int mode = GC_MODE_NORM; mode <= GC_MODE_SCALE; ++mode)
              for (int policy = GC_NONFINITE_ERROR; policy <= GC_NONFINITE_PROPAGATE; ++policy)
                for (double p : {1.0, 2.0, double{INFINITY}, 3.0})
                  if (mode <= GC_MODE_PER_TENSOR || p == 2.0) check_case(pool, dtype, length, where, bad, mode, policy, p);
  }
  check_overflow(pool);
  check_parallel(pool);
  return t::finish("test_nonfinite");
}
