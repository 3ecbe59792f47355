// Exported memory and stream helpers, so that callers without a CUDA runtime of their own (the JVM)
// can allocate, fill and copy device memory and order work.
#include <cuda_runtime_api.h>

#include "boundary.hpp"
#include "common/status.hpp"
#include "errors.hpp"
#include "gradclip.h"

using gc::fail;
using gc::cuda::check;
using gc::cuda::guarded;

namespace {

cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

}  // namespace

extern "C" {

GC_API int gc_cuda_malloc(int64_t bytes, void** out) {
  return guarded([&] {
    if (out == nullptr) return fail(GC_E_INVALID, "out is NULL");
    if (bytes < 0) return fail(GC_E_INVALID, "bytes must be >= 0, got %lld", static_cast<long long>(bytes));
    void* ptr = nullptr;
    if (bytes > 0) {
      if (int rc = check(cudaMalloc(&ptr, static_cast<size_t>(bytes)), "cudaMalloc")) return rc;
    }
    *out = ptr;
    return GC_OK;
  });
}

GC_API int gc_cuda_free(void* ptr) {
  return guarded([&] {
    if (ptr == nullptr) return GC_OK;
    return check(cudaFree(ptr), "cudaFree");
  });
}

GC_API int gc_cuda_memset(void* ptr, int32_t value, int64_t bytes) {
  return guarded([&] {
    if (bytes < 0) return fail(GC_E_INVALID, "bytes must be >= 0, got %lld", static_cast<long long>(bytes));
    if (bytes == 0) return GC_OK;
    if (ptr == nullptr) return fail(GC_E_INVALID, "ptr is NULL");
    // On the legacy default stream, then waited for, so the memory is set when this returns.
    if (int rc = check(cudaMemsetAsync(ptr, value, static_cast<size_t>(bytes), cudaStreamLegacy), "cudaMemsetAsync")) {
      return rc;
    }
    return check(cudaStreamSynchronize(cudaStreamLegacy), "cudaStreamSynchronize");
  });
}

GC_API int gc_cuda_memcpy(void* dst, const void* src, int64_t bytes, int32_t kind, void* stream) {
  return guarded([&] {
    cudaMemcpyKind cuda_kind;
    switch (kind) {
      case GC_COPY_HOST_TO_DEVICE: cuda_kind = cudaMemcpyHostToDevice; break;
      case GC_COPY_DEVICE_TO_HOST: cuda_kind = cudaMemcpyDeviceToHost; break;
      case GC_COPY_DEVICE_TO_DEVICE: cuda_kind = cudaMemcpyDeviceToDevice; break;
      default: return fail(GC_E_INVALID, "unknown copy kind %d", kind);
    }
    if (bytes < 0) return fail(GC_E_INVALID, "bytes must be >= 0, got %lld", static_cast<long long>(bytes));
    if (bytes == 0) return GC_OK;
    if (dst == nullptr) return fail(GC_E_INVALID, "dst is NULL");
    if (src == nullptr) return fail(GC_E_INVALID, "src is NULL");
    if (int rc = check(cudaMemcpyAsync(dst, src, static_cast<size_t>(bytes), cuda_kind, as_stream(stream)),
                       "cudaMemcpyAsync")) {
      return rc;
    }
    return check(cudaStreamSynchronize(as_stream(stream)), "cudaStreamSynchronize");
  });
}

GC_API int gc_cuda_stream_create(void** out) {
  return guarded([&] {
    if (out == nullptr) return fail(GC_E_INVALID, "out is NULL");
    cudaStream_t stream = nullptr;
    // A blocking stream (it waits for the legacy default stream), so work the caller puts on NULL, such
    // as gc_cuda_memset, is ordered before work on this stream as it would be with plain CUDA.
    if (int rc = check(cudaStreamCreate(&stream), "cudaStreamCreate")) return rc;
    *out = stream;
    return GC_OK;
  });
}

GC_API int gc_cuda_stream_destroy(void* stream) {
  return guarded([&] {
    if (stream == nullptr) return fail(GC_E_INVALID, "the legacy default stream (NULL) cannot be destroyed");
    return check(cudaStreamDestroy(as_stream(stream)), "cudaStreamDestroy");
  });
}

GC_API int gc_cuda_stream_synchronize(void* stream) {
  return guarded([&] { return check(cudaStreamSynchronize(as_stream(stream)), "cudaStreamSynchronize"); });
}

}  // extern "C"
