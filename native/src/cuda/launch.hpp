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

// What the launches of a set need: its views and how many blocks each launch gets.
struct LaunchPlan {
  int32_t dtype_class;
  SetView view;  // the set's tensors; view.agc.tensors is NULL until units are attached
  int grid;      // blocks over view.chunks
  int agc_grid;       // blocks over view.agc.segments
  int agc_unit_grid;  // blocks over view.agc.groups
  SetView pairs;      // PER_SAMPLE_* pass 1; pairs.samples.outputs is NULL until samples are attached
  int pair_grid;      // blocks over pairs.chunks
  int output_grid;    // blocks over pairs.samples.chunks
};

// Enqueues op (validated; its attachment checked) on stream: at most three launches, each checked,
// no synchronization.
int launch_op(const LaunchPlan& plan, const gc_op& op, cudaStream_t stream);

}  // namespace gc::cuda
