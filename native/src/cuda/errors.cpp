#include "errors.hpp"

#include "common/status.hpp"

namespace gc::cuda {

int cuda_failure(cudaError_t err, const char* where) {
  // The runtime also keeps err as its "last error"; consume it so that the next launch check reports
  // that launch and not this older failure (sticky errors come back by themselves anyway).
  (void)cudaGetLastError();
  const int status = err == cudaErrorMemoryAllocation ? GC_E_NOMEM : GC_E_CUDA;
  return fail(status, "%s: %s (in %s)", cudaGetErrorName(err), cudaGetErrorString(err), where);
}

int check_launch(const char* kernel) {
  const cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess) return GC_OK;
  const int status = err == cudaErrorMemoryAllocation ? GC_E_NOMEM : GC_E_CUDA;
  return fail(status, "%s: %s (in the launch of %s)", cudaGetErrorName(err), cudaGetErrorString(err), kernel);
}

}  // namespace gc::cuda
