// Picks the compilation of the kernels for a set's dtype class; the launches are in launch_impl.cuh.
#include "launch.hpp"

#include <cmath>

#include "common/status.hpp"
#include "launch_impl.cuh"

namespace gc::cuda {

// Instantiated in kernels_<dtype>.cu.
extern template int launch_op_for<F32>(const SetView&, int, const OpArgs&, cudaStream_t);
extern template int launch_op_for<F64>(const SetView&, int, const OpArgs&, cudaStream_t);
extern template int launch_op_for<Bf16>(const SetView&, int, const OpArgs&, cudaStream_t);
extern template int launch_op_for<F16>(const SetView&, int, const OpArgs&, cudaStream_t);
extern template int launch_op_for<AnyDtype>(const SetView&, int, const OpArgs&, cudaStream_t);
extern template int resident_blocks_for<F32>(int*);
extern template int resident_blocks_for<F64>(int*);
extern template int resident_blocks_for<Bf16>(int*);
extern template int resident_blocks_for<F16>(int*);
extern template int resident_blocks_for<AnyDtype>(int*);

NormKind norm_kind(double p) {
  if (p == 1.0) return NormKind::kL1;
  if (p == 2.0) return NormKind::kL2;
  if (std::isinf(p)) return NormKind::kInf;
  return NormKind::kPow;
}

int resident_blocks_per_sm(int32_t dtype_class, int* out) {
  switch (dtype_class) {
    case GC_DTYPE_F32: return resident_blocks_for<F32>(out);
    case GC_DTYPE_F64: return resident_blocks_for<F64>(out);
    case GC_DTYPE_BF16: return resident_blocks_for<Bf16>(out);
    case GC_DTYPE_F16: return resident_blocks_for<F16>(out);
    case kMixedDtypes: return resident_blocks_for<AnyDtype>(out);
    default: return fail(GC_E_INTERNAL, "unknown dtype class %d", dtype_class);
  }
}

int launch_op(const SetView& set, int32_t dtype_class, int grid, const gc_op& op, cudaStream_t stream) {
  OpArgs a;
  a.mode = op.mode;
  a.nonfinite = op.nonfinite;
  a.rule = op.rule;
  a.reserved = 0;
  a.norm_type = op.norm_type;
  a.threshold = op.threshold;
  // Drop a stale error of an earlier failed call so that the launch checks report our launches only.
  (void)cudaGetLastError();
  switch (dtype_class) {
    case GC_DTYPE_F32: return launch_op_for<F32>(set, grid, a, stream);
    case GC_DTYPE_F64: return launch_op_for<F64>(set, grid, a, stream);
    case GC_DTYPE_BF16: return launch_op_for<Bf16>(set, grid, a, stream);
    case GC_DTYPE_F16: return launch_op_for<F16>(set, grid, a, stream);
    case kMixedDtypes: return launch_op_for<AnyDtype>(set, grid, a, stream);
    default: return fail(GC_E_INTERNAL, "unknown dtype class %d", dtype_class);
  }
}

}  // namespace gc::cuda
