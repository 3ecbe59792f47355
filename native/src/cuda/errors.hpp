// CUDA runtime errors as gradclip statuses: GC_E_CUDA (GC_E_NOMEM for a failed device allocation) with
// a message naming the error and the call, e.g. "cudaErrorInsufficientDriver: CUDA driver version is
// insufficient for CUDA runtime version (in cudaGetDeviceCount)".
#pragma once
#include <cuda_runtime_api.h>

#include "gradclip.h"

namespace gc::cuda {

// Records the message for err (which must not be cudaSuccess) and returns its status.
int cuda_failure(cudaError_t err, const char* where);

// GC_OK, or the status of err with `where` (the runtime function's name) in the message.
inline int check(cudaError_t err, const char* where) { return err == cudaSuccess ? GC_OK : cuda_failure(err, where); }

// Checks the launch just made (configuration errors only: execution errors surface at the next
// synchronization, in gc_cuda_result).
int check_launch(const char* kernel);

}  // namespace gc::cuda
