// Exported device queries: count, properties, selection.
#include <cuda_runtime_api.h>

#include <cstring>

#include "boundary.hpp"
#include "common/status.hpp"
#include "errors.hpp"
#include "gradclip.h"

namespace gc::cuda {
namespace {

// GC_OK when device names one of the devices CUDA sees; GC_E_INVALID (or the CUDA error) otherwise.
int check_device_index(int32_t device) {
  int count = 0;
  if (int rc = check(cudaGetDeviceCount(&count), "cudaGetDeviceCount")) return rc;
  if (device < 0 || device >= count) {
    return fail(GC_E_INVALID, "device %d does not exist (%d CUDA device(s))", device, count);
  }
  return GC_OK;
}

}  // namespace
}  // namespace gc::cuda

using gc::fail;
using gc::cuda::check;
using gc::cuda::guarded;

extern "C" {

GC_API int gc_cuda_device_count(int32_t* out) {
  return guarded([&] {
    if (out == nullptr) return fail(GC_E_INVALID, "out is NULL");
    int count = 0;
    if (int rc = check(cudaGetDeviceCount(&count), "cudaGetDeviceCount")) return rc;
    *out = count;
    return GC_OK;
  });
}

GC_API int gc_cuda_device_info(int32_t device, char* name, int32_t name_len, int64_t* total_bytes, int32_t* sm_major,
                               int32_t* sm_minor) {
  return guarded([&] {
    if (name == nullptr) return fail(GC_E_INVALID, "name is NULL");
    if (name_len < 1) return fail(GC_E_INVALID, "name_len must be >= 1, got %d", name_len);
    if (total_bytes == nullptr) return fail(GC_E_INVALID, "total_bytes is NULL");
    if (sm_major == nullptr) return fail(GC_E_INVALID, "sm_major is NULL");
    if (sm_minor == nullptr) return fail(GC_E_INVALID, "sm_minor is NULL");
    if (int rc = gc::cuda::check_device_index(device)) return rc;
    cudaDeviceProp prop{};
    if (int rc = check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties")) return rc;
    const size_t len = strnlen(prop.name, sizeof prop.name);
    const size_t copied = len < static_cast<size_t>(name_len) - 1 ? len : static_cast<size_t>(name_len) - 1;
    std::memcpy(name, prop.name, copied);
    name[copied] = '\0';
    *total_bytes = static_cast<int64_t>(prop.totalGlobalMem);
    *sm_major = prop.major;
    *sm_minor = prop.minor;
    return GC_OK;
  });
}

GC_API int gc_cuda_set_device(int32_t device) {
  return guarded([&] {
    if (int rc = gc::cuda::check_device_index(device)) return rc;
    return check(cudaSetDevice(device), "cudaSetDevice");
  });
}

}  // extern "C"
