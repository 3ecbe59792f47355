#include "set.hpp"

#include <cuda_runtime_api.h>

#include <memory>
#include <new>

#include "arena.hpp"
#include "common/chunks.hpp"
#include "common/status.hpp"
#include "common/validate.hpp"
#include "errors.hpp"
#include "launch.hpp"
#include "norm_buffers.hpp"

namespace gc::cuda {
namespace {

const char* memory_type_name(cudaMemoryType type) {
  switch (type) {
    case cudaMemoryTypeHost: return "pinned host memory";
    case cudaMemoryTypeUnregistered: return "host memory unknown to CUDA";
    default: return "not device memory";
  }
}

// The dtype shared by every tensor that has chunks, or kMixedDtypes. Empty tensors don't count: no
// kernel ever touches their elements.
int32_t dtype_class(const gc_tensor* tensors, int64_t n) {
  int32_t found = GC_DTYPE_F32;  // for a set with no elements at all, any compilation will do
  bool any = false;
  for (int64_t i = 0; i < n; ++i) {
    if (tensors[i].count == 0) continue;
    if (any && tensors[i].dtype != found) return kMixedDtypes;
    found = tensors[i].dtype;
    any = true;
  }
  return found;
}

// Enough blocks to fill every SM to its occupancy.
int plan_full_grid(int device, int32_t dtype_class, int* full) {
  int sms = 0;
  if (int rc = check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute")) {
    return rc;
  }
  int per_sm = 1;
  if (int rc = resident_blocks_per_sm(dtype_class, &per_sm)) return rc;
  *full = sms * per_sm < 1 ? 1 : sms * per_sm;
  return GC_OK;
}

}  // namespace

int check_device_pointers(const gc_tensor* tensors, int64_t n, int device, const char* kind, const char* what) {
  for (int64_t i = 0; i < n; ++i) {
    if (tensors[i].count == 0) continue;
    cudaPointerAttributes attr{};
    if (int rc = check(cudaPointerGetAttributes(&attr, tensors[i].data), "cudaPointerGetAttributes")) return rc;
    if (attr.type == cudaMemoryTypeManaged) continue;
    if (attr.type != cudaMemoryTypeDevice) {
      return fail(GC_E_INVALID, "%s %lld: %s %p is %s, not device memory", kind, static_cast<long long>(i), what,
                  tensors[i].data, memory_type_name(attr.type));
    }
    if (attr.device != device) {
      return fail(GC_E_INVALID, "%s %lld: %s %p is memory of device %d, but the current device is %d", kind,
                  static_cast<long long>(i), what, tensors[i].data, attr.device, device);
    }
  }
  return GC_OK;
}

int grid_for(const gc_cuda_set& set, int64_t items) {
  if (items < 1) return 1;
  return items < set.full_grid ? static_cast<int>(items) : set.full_grid;
}

int create_set(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, gc_cuda_set** out) {
  // Everything that needs no CUDA call first, so bad arguments are reported as such even without a GPU.
  if (out == nullptr) return fail(GC_E_INVALID, "out is NULL");
  if (int rc = validate_tensors(tensors, n)) return rc;
  ChunkTable table;
  if (int rc = build_chunk_table(tensors, n, chunk_elems, &table)) return rc;
  const auto num_chunks = static_cast<int64_t>(table.chunks.size());

  std::vector<DeviceTensor> device_tensors(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    DeviceTensor& d = device_tensors[static_cast<size_t>(i)];
    d.data = tensors[i].data;
    d.count = tensors[i].count;
    d.first_chunk = table.first_chunk[static_cast<size_t>(i)];
    d.num_chunks = table.first_chunk[static_cast<size_t>(i) + 1] - d.first_chunk;
    d.dtype = tensors[i].dtype;
    d.reserved = 0;
  }

  int device = 0;
  if (int rc = check(cudaGetDevice(&device), "cudaGetDevice")) return rc;
  if (int rc = check_device_pointers(tensors, n, device, "tensor", "data")) return rc;
  auto set = std::make_unique<gc_cuda_set>();
  set->device = device;
  set->chunk_elems = chunk_elems == 0 ? kDefaultChunkElems : chunk_elems;
  set->tensors.assign(tensors, tensors + n);
  set->staged_norms.resize(static_cast<size_t>(n));
  set->dtype_class = dtype_class(tensors, n);
  if (int rc = plan_full_grid(device, set->dtype_class, &set->full_grid)) return rc;

  ArenaLayout layout;
  const NormBuffers buffers = NormBuffers::add(layout, n, num_chunks);
  const size_t counts_at = layout.add<int64_t>(num_chunks);
  const size_t control_at = layout.add<DeviceControl>(1);

  void* arena = nullptr;
  if (int rc = create_arena(layout.bytes(),
                            {Upload::of(buffers.tensors, device_tensors), Upload::of(buffers.chunks, table.chunks)}, &arena)) {
    return rc;
  }

  SetView& v = set->plan.view;
  buffers.bind(arena, n, num_chunks, v);
  v.chunk_counts = at<int64_t>(arena, counts_at);
  v.control = at<DeviceControl>(arena, control_at);
  set->plan.grid = grid_for(*set, num_chunks);
  set->plan.dtype_class = set->dtype_class;
  set->arena = arena;
  *out = set.release();
  return GC_OK;
}

int destroy_set(gc_cuda_set* set) {
  if (set == nullptr) return GC_OK;
  // Kernels of earlier runs may still be using the arenas on some stream.
  int rc = check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  for (void* arena : {set->samples_arena, set->units_arena, set->arena}) {
    if (arena == nullptr) continue;
    const cudaError_t freed = cudaFree(arena);
    if (freed == cudaSuccess) continue;
    if (rc == GC_OK) {
      rc = cuda_failure(freed, "cudaFree");
    } else {
      (void)cudaGetLastError();  // keep the first error's message
    }
  }
  delete set;
  return rc;
}

}  // namespace gc::cuda
