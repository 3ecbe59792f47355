#include "arena.hpp"

#include <cuda_runtime_api.h>

#include "errors.hpp"
#include "gradclip.h"

namespace gc::cuda {

int create_arena(size_t bytes, const std::vector<Upload>& uploads, void** out) {
  void* arena = nullptr;
  if (int rc = check(cudaMalloc(&arena, bytes), "cudaMalloc")) return rc;
  // The legacy default stream, then a wait on it: the arena is ready for any stream of the caller's.
  const cudaStream_t stream = cudaStreamLegacy;
  int rc = check(cudaMemsetAsync(arena, 0, bytes, stream), "cudaMemsetAsync");
  for (const Upload& u : uploads) {
    if (rc != GC_OK || u.bytes == 0) continue;
    rc = check(cudaMemcpyAsync(at<char>(arena, u.offset), u.host, u.bytes, cudaMemcpyHostToDevice, stream),
               "cudaMemcpyAsync");
  }
  if (rc == GC_OK) rc = check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
  if (rc != GC_OK) {
    (void)cudaFree(arena);  // the upload's error is the one worth reporting
    return rc;
  }
  *out = arena;
  return GC_OK;
}

int destroy_arena(void* arena) {
  if (arena == nullptr) return GC_OK;
  int rc = check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  const cudaError_t freed = cudaFree(arena);
  if (freed != cudaSuccess) {
    if (rc == GC_OK) {
      rc = cuda_failure(freed, "cudaFree");
    } else {
      (void)cudaGetLastError();  // keep the first error's message
    }
  }
  return rc;
}

}  // namespace gc::cuda
