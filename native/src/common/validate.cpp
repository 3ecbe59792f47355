#include "common/validate.hpp"

#include <cmath>

#include "common/status.hpp"

namespace gc {

int dtype_bytes(int32_t dtype) {
  switch (dtype) {
    case GC_DTYPE_F32: return 4;
    case GC_DTYPE_F64: return 8;
    case GC_DTYPE_BF16: return 2;
    case GC_DTYPE_F16: return 2;
    default: return 0;
  }
}

int validate_tensors(const gc_tensor* tensors, int64_t n) {
  if (tensors == nullptr) return fail(GC_E_INVALID, "tensors is NULL");
  if (n < 1) return fail(GC_E_INVALID, "a set needs at least one tensor, got n=%lld", (long long)n);
  for (int64_t i = 0; i < n; ++i) {
    const gc_tensor& t = tensors[i];
    const int bytes = dtype_bytes(t.dtype);
    if (bytes == 0) return fail(GC_E_INVALID, "tensor %lld: unknown dtype %d", (long long)i, t.dtype);
    if (t.reserved != 0) return fail(GC_E_INVALID, "tensor %lld: reserved field must be 0", (long long)i);
    if (t.count < 0) return fail(GC_E_INVALID, "tensor %lld: negative count %lld", (long long)i, (long long)t.count);
    if (t.count > INT64_MAX / 8) return fail(GC_E_INVALID, "tensor %lld: count %lld too large", (long long)i, (long long)t.count);
    if (t.count > 0 && t.data == nullptr) return fail(GC_E_INVALID, "tensor %lld: data is NULL", (long long)i);
    if (reinterpret_cast<uintptr_t>(t.data) % static_cast<uintptr_t>(bytes) != 0)
      return fail(GC_E_INVALID, "tensor %lld: data %p is not aligned to its %d-byte elements", (long long)i, t.data, bytes);
  }
  return GC_OK;
}

int validate_op(const gc_op* op) {
  if (op == nullptr) return fail(GC_E_INVALID, "op is NULL");
  if (op->reserved != 0) return fail(GC_E_INVALID, "op.reserved must be 0");
  const int32_t mode = op->mode;
  if (mode < GC_MODE_NORM || mode > GC_MODE_PER_SAMPLE_LAYER) return fail(GC_E_INVALID, "unknown mode %d", mode);
  if (op->nonfinite < GC_NONFINITE_ERROR || op->nonfinite > GC_NONFINITE_PROPAGATE)
    return fail(GC_E_INVALID, "unknown non-finite policy %d", op->nonfinite);
  const bool per_sample = mode == GC_MODE_PER_SAMPLE_FLAT || mode == GC_MODE_PER_SAMPLE_LAYER;
  const bool norm_mode = mode == GC_MODE_NORM || mode == GC_MODE_GLOBAL || mode == GC_MODE_PER_TENSOR;
  if (norm_mode && !(op->norm_type > 0.0))
    return fail(GC_E_INVALID, "norm_type must be > 0 (or infinity), got %g", op->norm_type);
  const bool uses_rule = mode == GC_MODE_GLOBAL || mode == GC_MODE_PER_TENSOR || mode == GC_MODE_BLOCK_RMS || per_sample;
  if (uses_rule && op->rule != GC_RULE_TORCH && op->rule != GC_RULE_EXACT)
    return fail(GC_E_INVALID, "unknown coefficient rule %d", op->rule);
  if (mode != GC_MODE_NORM && mode != GC_MODE_SCALE) {
    if (!std::isfinite(op->threshold) || op->threshold < 0.0)
      return fail(GC_E_INVALID, "threshold must be finite and >= 0, got %g", op->threshold);
  }
  if (mode == GC_MODE_AGC && !(std::isfinite(op->eps) && op->eps > 0.0))
    return fail(GC_E_INVALID, "AGC: eps must be finite and > 0, got %g", op->eps);
  if (per_sample) {
    if (!(std::isfinite(op->noise_multiplier) && op->noise_multiplier >= 0.0))
      return fail(GC_E_INVALID, "noise_multiplier must be finite and >= 0, got %g", op->noise_multiplier);
    if (!(std::isfinite(op->divisor) && op->divisor > 0.0))
      return fail(GC_E_INVALID, "divisor must be finite and > 0, got %g", op->divisor);
  }
  return GC_OK;
}

int validate_units(const gc_tensor* tensors, int64_t n, const gc_units* units, int64_t n_units) {
  if (units == nullptr) return fail(GC_E_INVALID, "units is NULL");
  if (n_units != n) return fail(GC_E_INVALID, "units: %lld entries for a set of %lld tensors", (long long)n_units, (long long)n);
  for (int64_t i = 0; i < n; ++i) {
    const gc_units& u = units[i];
    const int64_t count = tensors[i].count;
    const int bytes = dtype_bytes(u.params_dtype);
    if (bytes == 0) return fail(GC_E_INVALID, "units %lld: unknown params dtype %d", (long long)i, u.params_dtype);
    if (u.layout < GC_UNITS_WHOLE || u.layout > GC_UNITS_COLUMNS)
      return fail(GC_E_INVALID, "units %lld: unknown layout %d", (long long)i, u.layout);
    if (count > 0 && u.params == nullptr) return fail(GC_E_INVALID, "units %lld: params is NULL", (long long)i);
    if (reinterpret_cast<uintptr_t>(u.params) % static_cast<uintptr_t>(bytes) != 0)
      return fail(GC_E_INVALID, "units %lld: params %p is not aligned to its %d-byte elements", (long long)i, u.params, bytes);
    if (u.layout == GC_UNITS_WHOLE && u.units != 1)
      return fail(GC_E_INVALID, "units %lld: a WHOLE tensor has 1 unit, got %lld", (long long)i, (long long)u.units);
    if (u.units < 1) return fail(GC_E_INVALID, "units %lld: units must be >= 1, got %lld", (long long)i, (long long)u.units);
    if (count % u.units != 0)
      return fail(GC_E_INVALID, "units %lld: %lld units do not divide %lld elements", (long long)i, (long long)u.units, (long long)count);
  }
  return GC_OK;
}

int validate_samples(const gc_tensor* tensors, int64_t n, int64_t batch, const gc_tensor* outputs, int64_t n_outputs) {
  if (batch < 1) return fail(GC_E_INVALID, "batch must be >= 1, got %lld", (long long)batch);
  if (outputs == nullptr) return fail(GC_E_INVALID, "outputs is NULL");
  if (n_outputs != n)
    return fail(GC_E_INVALID, "outputs: %lld entries for a set of %lld tensors", (long long)n_outputs, (long long)n);
  if (int rc = validate_tensors(outputs, n_outputs); rc != GC_OK) return rc;
  for (int64_t i = 0; i < n; ++i) {
    if (tensors[i].count % batch != 0)
      return fail(GC_E_INVALID, "tensor %lld: batch %lld does not divide %lld elements", (long long)i, (long long)batch,
                  (long long)tensors[i].count);
    if (outputs[i].count != tensors[i].count / batch)
      return fail(GC_E_INVALID, "output %lld: %lld elements, expected %lld (count / batch)", (long long)i,
                  (long long)outputs[i].count, (long long)(tensors[i].count / batch));
  }
  return GC_OK;
}

}  // namespace gc
