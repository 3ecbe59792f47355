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
  if (op->mode < GC_MODE_NORM || op->mode > GC_MODE_SCALE) return fail(GC_E_INVALID, "unknown mode %d", op->mode);
  if (op->nonfinite < GC_NONFINITE_ERROR || op->nonfinite > GC_NONFINITE_PROPAGATE)
    return fail(GC_E_INVALID, "unknown non-finite policy %d", op->nonfinite);
  const bool norm_mode = op->mode == GC_MODE_NORM || op->mode == GC_MODE_GLOBAL || op->mode == GC_MODE_PER_TENSOR;
  if (norm_mode && !(op->norm_type > 0.0))
    return fail(GC_E_INVALID, "norm_type must be > 0 (or infinity), got %g", op->norm_type);
  if ((op->mode == GC_MODE_GLOBAL || op->mode == GC_MODE_PER_TENSOR) && op->rule != GC_RULE_TORCH && op->rule != GC_RULE_EXACT)
    return fail(GC_E_INVALID, "unknown coefficient rule %d", op->rule);
  if (op->mode == GC_MODE_GLOBAL || op->mode == GC_MODE_PER_TENSOR || op->mode == GC_MODE_VALUE) {
    if (!std::isfinite(op->threshold) || op->threshold < 0.0)
      return fail(GC_E_INVALID, "threshold must be finite and >= 0, got %g", op->threshold);
  }
  return GC_OK;
}

}  // namespace gc
