// Host side of the kernels: choosing and launching them for one op.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>

#include "device_types.hpp"
#include "gradclip.h"

namespace gc::cuda {

// The dtype class of a set: GC_DTYPE_* when all its chunks have that dtype, else kMixedDtypes.
// Decides which compilation of the kernels runs it (elements.cuh, AnyDtype).
constexpr int32_t kMixedDtypes = -1;

// The norm kind with a fast path for p (validated: > 0, not NaN).
NormKind norm_kind(double p);

// *out = the number of blocks of every kernel for dtype_class that fit on one SM at once (the minimum
// over those kernels, at most kMaxBlocksPerSm), for sizing a persistent grid.
int resident_blocks_per_sm(int32_t dtype_class, int* out);

// Enqueues op (validated) over set on stream: at most two launches, each checked, no synchronization.
int launch_op(const SetView& set, int32_t dtype_class, int grid, const gc_op& op, cudaStream_t stream);

}  // namespace gc::cuda
