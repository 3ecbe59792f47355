// Picks the compilation of the kernels for a set's dtype class; the launches are in launch_impl.cuh.
#include "launch.hpp"

#include <cmath>

#include "common/status.hpp"
#include "launch_impl.cuh"

namespace gc::cuda {

// Instantiated in kernels_<dtype>.cu.
extern template int launch_op_for<F32>(const LaunchPlan&, const OpArgs&, cudaStream_t);
extern template int launch_op_for<F64>(const LaunchPlan&, const OpArgs&, cudaStream_t);
extern template int launch_op_for<Bf16>(const LaunchPlan&, const OpArgs&, cudaStream_t);
extern template int launch_op_for<F16>(const LaunchPlan&, const OpArgs&, cudaStream_t);
extern template int launch_op_for<AnyDtype>(const LaunchPlan&, const OpArgs&, cudaStream_t);
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

int launch_op(const LaunchPlan& plan, const gc_op& op, cudaStream_t stream) {
  OpArgs a;
  a.mode = op.mode;
  a.nonfinite = op.nonfinite;
  a.rule = op.rule;
  a.reserved = 0;
  // Only the norm modes have a p; the others are L2 sums whatever norm_type holds.
  const bool has_p = op.mode == GC_MODE_NORM || op.mode == GC_MODE_GLOBAL || op.mode == GC_MODE_PER_TENSOR;
  a.norm_type = has_p ? op.norm_type : 2.0;
  a.threshold = op.threshold;
  a.eps = op.eps;
  a.noise_multiplier = op.noise_multiplier;
  a.divisor = op.divisor;
  a.seed = op.seed;
  // Drop a stale error of an earlier failed call so that the launch checks report our launches only.
  (void)cudaGetLastError();
  switch (plan.dtype_class) {
    case GC_DTYPE_F32: return launch_op_for<F32>(plan, a, stream);
    case GC_DTYPE_F64: return launch_op_for<F64>(plan, a, stream);
    case GC_DTYPE_BF16: return launch_op_for<Bf16>(plan, a, stream);
    case GC_DTYPE_F16: return launch_op_for<F16>(plan, a, stream);
    case kMixedDtypes: return launch_op_for<AnyDtype>(plan, a, stream);
    default: return fail(GC_E_INTERNAL, "unknown dtype class %d", plan.dtype_class);
  }
}

}  // namespace gc::cuda
