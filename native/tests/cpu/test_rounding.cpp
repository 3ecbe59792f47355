// Scaling and clamping store y = (double) x * coef rounded exactly as docs/SEMANTICS.md says, on every
// ISA level: every bf16 and fp16 bit pattern, fp32/fp64 patterns of every exponent, awkward coefficients.
#include "support.hpp"

namespace {

constexpr int64_t kChunk = 1000;  // small, so several chunks and a partial last block per tensor

// Awkward ones (ties, underflow into subnormals and zero, overflow, signs, 0, inf, NaN), then random
// ones of either sign over 2^-40..2^40.
std::vector<double> coefficients() {
  std::vector<double> c{0.5,  0.75, 1.5,   3.0,   1.0 / 3.0, 1e-3, 0x1p-20, 0x1p-24, 1e-30, 1e-300,
                        1e30, 1e300, -1.25, 3.141592653589793, 0.0,       -0.0, INFINITY, NAN};
  t::Rng rng(99);
  for (int i = 0; i < 12; ++i) c.push_back((rng.below(2) ? -1.0 : 1.0) * std::exp2(80.0 * rng.uniform() - 40.0));
  return c;
}

// All patterns of a 16-bit format, as two tensors whose lengths are not multiples of 32.
std::vector<t::Tensor> all_patterns(int dtype) {
  std::vector<t::Tensor> ts{t::Tensor(dtype, 40000), t::Tensor(dtype, 25536)};
  uint64_t u = 0;
  for (auto& x : ts)
    for (int64_t i = 0; i < x.count; ++i) x.set_raw(i, u++);
  return ts;
}

// Bit patterns of every exponent, NaNs, infinities and subnormals included.
std::vector<t::Tensor> random_patterns(int dtype, t::Rng& rng) {
  std::vector<t::Tensor> ts{t::Tensor(dtype, 30011), t::Tensor(dtype, 1), t::Tensor(dtype, 999)};
  for (auto& x : ts)
    for (int64_t i = 0; i < x.count; ++i) x.set_raw(i, dtype == GC_DTYPE_F64 ? rng.next() : rng.next() >> 32);
  return ts;
}

void check_scale(const std::vector<t::Tensor>& original, const char* what, t::Pool& pool) {
  for (double coef : coefficients()) {
    std::vector<t::Tensor> want = original;
    for (auto& x : want) t::ref_scale(x, coef);
    for (int isa : t::isas()) {
      t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
      std::vector<t::Tensor> got = original;
      const gc_op op = t::make_op(GC_MODE_SCALE, GC_NONFINITE_PROPAGATE, GC_RULE_TORCH, 2.0, coef);
      const gc_result r = t::run(pool.p, got, kChunk, op);
      t::compare(got, want, t::format("%s %s scale %g", t::isa_name(isa), what, coef),
                 std::isnan(coef) ? t::Nan::kAny : t::Nan::kExact);
      t::expect(r.clipped == (coef != 1.0) && r.clipped_count == r.clipped, "%s %s coef %g: clipped %d count %lld",
                t::isa_name(isa), what, coef, r.clipped, (long long)r.clipped_count);
      t::expect(t::same(r.coefficient, coef) && std::isnan(r.total_norm) && r.nonfinite == 0,
                "%s %s coef %g: result fields", t::isa_name(isa), what, coef);
    }
  }
}

// The clamped value +-v itself is rounded to the storage type, NaN stays NaN, and only elements
// strictly outside [-v, v] count.
void check_clamp(const std::vector<t::Tensor>& original, const char* what, t::Pool& pool) {
  for (double v : {0.0, 0.1, 1.0 / 3.0, 1.0, 1e-6, 65504.0, 65520.0, 70000.0, 3.0e38, 1e300}) {
    std::vector<t::Tensor> want = original;
    int64_t changed = 0;
    for (auto& x : want) changed += t::ref_clamp(x, v);
    for (int isa : t::isas()) {
      t::require(gc_cpu_force_isa(isa), "gc_cpu_force_isa");
      std::vector<t::Tensor> got = original;
      const gc_op op = t::make_op(GC_MODE_VALUE, GC_NONFINITE_PROPAGATE, GC_RULE_TORCH, 2.0, v);
      const gc_result r = t::run(pool.p, got, kChunk, op);
      t::compare(got, want, t::format("%s %s clamp %g", t::isa_name(isa), what, v), t::Nan::kSameSign);
      t::expect(r.clipped_count == changed && r.clipped == (changed > 0), "%s %s clamp %g: count %lld, want %lld",
                t::isa_name(isa), what, v, (long long)r.clipped_count, (long long)changed);
      t::expect(r.nonfinite == 1, "%s %s clamp %g: non-finite patterns not reported", t::isa_name(isa), what, v);
    }
  }
}

}  // namespace

int main() {
  t::Pool pool(2);
  t::Rng rng(20240601);
  for (int dtype : {GC_DTYPE_BF16, GC_DTYPE_F16}) {
    const auto ts = all_patterns(dtype);
    check_scale(ts, t::dtype_name(dtype), pool);
    check_clamp(ts, t::dtype_name(dtype), pool);
  }
  for (int dtype : {GC_DTYPE_F32, GC_DTYPE_F64}) {
    const auto ts = random_patterns(dtype, rng);
    check_scale(ts, t::dtype_name(dtype), pool);
    check_clamp(ts, t::dtype_name(dtype), pool);
  }
  return t::finish("test_rounding");
}
