// gc_cuda_set: the host handle of a set, owning one device allocation that holds the chunk table, the
// per-chunk and per-tensor slots and the DeviceControl.
#pragma once
#include <cstdint>
#include <vector>

#include "device_types.hpp"
#include "gradclip.h"

struct gc_cuda_set {
  int device = 0;             // the device current at creation; runs must use it
  int grid = 1;               // blocks per launch: SMs x resident blocks, at most one per chunk, >= 1
  int32_t dtype_class = GC_DTYPE_F32;  // which compilation of the kernels runs it (launch.hpp)
  void* arena = nullptr;      // the single cudaMalloc behind every pointer of view
  gc::cuda::SetView view{};
  std::vector<double> staged_norms;  // gc_cuda_result copies here first: nothing reaches the caller on failure
  bool has_result = false;    // a run was enqueued successfully since creation
  int32_t last_mode = GC_MODE_NORM;
};

namespace gc::cuda {

// Validates, builds and uploads; on success *out owns everything. Synchronous (creation is one-off).
int create_set(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cuda_set** out);

// Synchronizes the device, frees the arena and the handle; returns the first error (still frees).
int destroy_set(gc_cuda_set* set);

}  // namespace gc::cuda
