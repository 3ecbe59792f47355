// gc_cuda_set: the host handle of a set. It owns one device arena for the tensors (chunk table, per-chunk
// and per-tensor slots, DeviceControl) and, once attached, one for AGC's units and one for the samples
// of PER_SAMPLE_*; what the kernels need of all three is in plan.
#pragma once
#include <cstdint>
#include <vector>

#include "device_types.hpp"
#include "gradclip.h"
#include "launch.hpp"

struct gc_cuda_set {
  int device = 0;                      // the device current at creation; runs must use it
  int full_grid = 1;                   // SMs x resident blocks: the most blocks a launch is given
  int32_t dtype_class = GC_DTYPE_F32;  // which compilation of the kernels runs it (launch.hpp)
  int64_t chunk_elems = 0;             // as resolved at creation (never 0): attachments cut their work by it
  std::vector<gc_tensor> tensors;      // the caller's array, copied: attachments are checked against it
  void* arena = nullptr;               // behind plan.view, less its agc and samples members
  void* units_arena = nullptr;         // behind plan.view.agc
  void* samples_arena = nullptr;       // behind plan.pairs
  gc::cuda::LaunchPlan plan{};
  std::vector<double> staged_norms;    // gc_cuda_result copies here first: nothing reaches the caller on failure
  bool has_result = false;             // a run was enqueued successfully since creation
  int32_t last_mode = GC_MODE_NORM;
};

namespace gc::cuda {

// Validates, builds and uploads; on success *out owns everything. Synchronous (creation is one-off).
int create_set(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cuda_set** out);

// Synchronizes the device, frees the arenas and the handle; returns the first error (still frees).
int destroy_set(gc_cuda_set* set);

// Blocks per launch for `items` independent pieces of work: at most one each, at most full_grid, at
// least one (the last block of a launch also writes the result when there is no work at all).
int grid_for(const gc_cuda_set& set, int64_t items);

// Every non-empty entry's `what` pointer must be device (or managed) memory of `device`; `kind` and
// `what` name it in the message ("tensor 3: data %p is ...").
int check_device_pointers(const gc_tensor* tensors, int64_t n, int device, const char* kind, const char* what);

}  // namespace gc::cuda
