// Exported set and run functions: argument checks, then set.cpp / launch.cu.
#include <cuda_runtime_api.h>

#include <cstring>

#include "attach.hpp"
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

// The norms a run of `mode` leaves for gc_cuda_result, as gc_cpu_run counts them: where and how many.
struct Norms {
  const double* device;
  int64_t count;
};

Norms norms_of(const gc_cuda_set& set, int32_t mode) {
  const int64_t n = set.plan.view.num_tensors;
  switch (mode) {
    case GC_MODE_VALUE:
    case GC_MODE_SCALE: return Norms{nullptr, 0};
    case GC_MODE_PER_SAMPLE_FLAT: return Norms{set.plan.pairs.tensor_norms, set.plan.pairs.samples.batch};
    case GC_MODE_PER_SAMPLE_LAYER: return Norms{set.plan.pairs.tensor_norms, set.plan.pairs.num_tensors};
    default: return Norms{set.plan.view.tensor_norms, n};
  }
}

// The attachment a mode needs, checked before anything is enqueued.
int check_attachment(const gc_cuda_set& set, int32_t mode) {
  if (mode == GC_MODE_AGC && set.plan.view.agc.tensors == nullptr) {
    return fail(GC_E_INVALID, "AGC needs units: call gc_cuda_set_units first");
  }
  if ((mode == GC_MODE_PER_SAMPLE_FLAT || mode == GC_MODE_PER_SAMPLE_LAYER) && set.plan.pairs.samples.outputs == nullptr) {
    return fail(GC_E_INVALID, "PER_SAMPLE needs samples: call gc_cuda_set_samples first");
  }
  return GC_OK;
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
  return set->plan.view.num_chunks;
}

GC_API int gc_cuda_set_destroy(gc_cuda_set* set) {
  return guarded([&] { return gc::cuda::destroy_set(set); });
}

GC_API int gc_cuda_set_units(gc_cuda_set* set, const gc_units* units, int64_t n) {
  return guarded([&] { return gc::cuda::attach_units(set, units, n); });
}

GC_API int gc_cuda_set_samples(gc_cuda_set* set, int64_t batch, const gc_tensor* outputs, int64_t n) {
  return guarded([&] { return gc::cuda::attach_samples(set, batch, outputs, n); });
}

GC_API int gc_cuda_run(gc_cuda_set* set, const gc_op* op, void* stream) {
  return guarded([&] {
    // The op first: a bad op is reported as such before anything touches CUDA.
    if (int rc = gc::validate_op(op)) return rc;
    if (set == nullptr) return fail(GC_E_INVALID, "set is NULL");
    if (int rc = check_attachment(*set, op->mode)) return rc;
    if (int rc = check_current_device(set)) return rc;
    const int rc = gc::cuda::launch_op(set->plan, *op, as_stream(stream));
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
    if (int rc = check(cudaMemcpyAsync(&staged, &set->plan.view.control->result, sizeof staged, cudaMemcpyDeviceToHost,
                                       as_stream(stream)),
                       "cudaMemcpyAsync")) {
      return rc;
    }
    const Norms source = norms_of(*set, set->last_mode);
    const bool norms = tensor_norms != nullptr && source.count > 0;
    const size_t norm_bytes = static_cast<size_t>(source.count) * sizeof(double);
    if (norms) {
      if (int rc = check(cudaMemcpyAsync(set->staged_norms.data(), source.device, norm_bytes,
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
  return &set->plan.view.control->result;
}

}  // extern "C"
