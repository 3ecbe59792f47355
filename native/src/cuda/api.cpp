// Exported set and run functions: argument checks, then set.cpp / launch.cu.
#include <cuda_runtime_api.h>

#include <cstring>

#include "boundary.hpp"
#include "common/status.hpp"
#include "common/validate.hpp"
#include "errors.hpp"
#include "gradclip.h"
#include "launch.hpp"
#include "set.hpp"

using gc::fail;
using gc::cuda::check;
using gc::cuda::guarded;

namespace {

cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

bool has_tensor_norms(int32_t mode) {
  return mode == GC_MODE_NORM || mode == GC_MODE_GLOBAL || mode == GC_MODE_PER_TENSOR;
}

// Kernels address the set's device memory: launching them with another device current would fail or,
// with peer access, silently run on the wrong GPU.
int check_current_device(const gc_cuda_set* set) {
  int device = 0;
  if (int rc = check(cudaGetDevice(&device), "cudaGetDevice")) return rc;
  if (device != set->device) {
    return fail(GC_E_INVALID, "the set was created on device %d, but the current device is %d", set->device, device);
  }
  return GC_OK;
}

}  // namespace

extern "C" {

GC_API int32_t gc_cuda_abi_version(void) { return GC_ABI_VERSION; }

GC_API const char* gc_cuda_last_error(void) { return gc::last_error(); }

GC_API int gc_cuda_set_create(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cuda_set** out) {
  return guarded([&] { return gc::cuda::create_set(tensors, n, chunk_elems, out); });
}

GC_API int64_t gc_cuda_set_chunks(const gc_cuda_set* set) {
  if (set == nullptr) {
    fail(GC_E_INVALID, "set is NULL");
    return -1;
  }
  return set->view.num_chunks;
}

GC_API int gc_cuda_set_destroy(gc_cuda_set* set) {
  return guarded([&] { return gc::cuda::destroy_set(set); });
}

GC_API int gc_cuda_run(gc_cuda_set* set, const gc_op* op, void* stream) {
  return guarded([&] {
    // The op first: a bad op is reported as such before anything touches CUDA.
    if (int rc = gc::validate_op(op)) return rc;
    if (set == nullptr) return fail(GC_E_INVALID, "set is NULL");
    if (int rc = check_current_device(set)) return rc;
    const int rc = gc::cuda::launch_op(set->view, set->dtype_class, set->grid, *op, as_stream(stream));
    // After a failed launch the device result is not this op's: refuse to report it.
    set->has_result = rc == GC_OK;
    set->last_mode = op->mode;
    return rc;
  });
}

GC_API int gc_cuda_result(gc_cuda_set* set, void* stream, double* tensor_norms, gc_result* result) {
  return guarded([&] {
    if (set == nullptr) return fail(GC_E_INVALID, "set is NULL");
    if (result == nullptr) return fail(GC_E_INVALID, "result is NULL");
    if (!set->has_result) return fail(GC_E_INVALID, "no successful gc_cuda_run on this set yet");
    // Enqueued behind the run on the same stream, then one wait for the stream: only that stream syncs.
    gc_result staged;
    if (int rc = check(cudaMemcpyAsync(&staged, &set->view.control->result, sizeof staged, cudaMemcpyDeviceToHost,
                                       as_stream(stream)),
                       "cudaMemcpyAsync")) {
      return rc;
    }
    const bool norms = tensor_norms != nullptr && has_tensor_norms(set->last_mode);
    const size_t norm_bytes = set->staged_norms.size() * sizeof(double);
    if (norms) {
      if (int rc = check(cudaMemcpyAsync(set->staged_norms.data(), set->view.tensor_norms, norm_bytes,
                                         cudaMemcpyDeviceToHost, as_stream(stream)),
                         "cudaMemcpyAsync")) {
        return rc;
      }
    }
    // Errors of the run's kernels (an illegal address, say) surface here.
    if (int rc = check(cudaStreamSynchronize(as_stream(stream)), "cudaStreamSynchronize")) return rc;
    if (norms) std::memcpy(tensor_norms, set->staged_norms.data(), norm_bytes);
    *result = staged;
    return GC_OK;
  });
}

GC_API const gc_result* gc_cuda_device_result(const gc_cuda_set* set) {
  if (set == nullptr) {
    fail(GC_E_INVALID, "set is NULL");
    return nullptr;
  }
  return &set->view.control->result;
}

}  // extern "C"
