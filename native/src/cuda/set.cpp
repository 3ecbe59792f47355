#include "set.hpp"

#include <cuda_runtime_api.h>

#include <memory>
#include <new>

#include "common/chunks.hpp"
#include "common/status.hpp"
#include "common/validate.hpp"
#include "errors.hpp"
#include "launch.hpp"

namespace gc::cuda {
namespace {

// Every device array starts on a 256-byte boundary: cudaMalloc's own alignment, enough for any element
// type and for 16-byte vectors, and no two arrays share a cache line.
constexpr size_t kArenaAlign = 256;

// Offsets of the arrays inside the single allocation.
class ArenaLayout {
 public:
  template <typename T>
  size_t add(int64_t count) {
    const size_t at = (bytes_ + kArenaAlign - 1) / kArenaAlign * kArenaAlign;
    bytes_ = at + static_cast<size_t>(count) * sizeof(T);
    return at;
  }
  size_t bytes() const { return bytes_; }

 private:
  size_t bytes_ = 0;
};

template <typename T>
T* at(void* arena, size_t offset) {
  return reinterpret_cast<T*>(static_cast<char*>(arena) + offset);
}

const char* memory_type_name(cudaMemoryType type) {
  switch (type) {
    case cudaMemoryTypeHost: return "pinned host memory";
    case cudaMemoryTypeUnregistered: return "host memory unknown to CUDA";
    default: return "not device memory";
  }
}

// Every non-empty tensor must live in device (or managed) memory of the current device.
int check_device_pointers(const gc_tensor* tensors, int64_t n, int device) {
  for (int64_t i = 0; i < n; ++i) {
    if (tensors[i].count == 0) continue;
    cudaPointerAttributes attr{};
    if (int rc = check(cudaPointerGetAttributes(&attr, tensors[i].data), "cudaPointerGetAttributes")) return rc;
    if (attr.type == cudaMemoryTypeManaged) continue;
    if (attr.type != cudaMemoryTypeDevice) {
      return fail(GC_E_INVALID, "tensor %lld: data %p is %s, not device memory", static_cast<long long>(i),
                  tensors[i].data, memory_type_name(attr.type));
    }
    if (attr.device != device) {
      return fail(GC_E_INVALID, "tensor %lld: data %p is memory of device %d, but the current device is %d",
                  static_cast<long long>(i), tensors[i].data, attr.device, device);
    }
  }
  return GC_OK;
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

// Blocks per launch: enough to fill every SM to its occupancy, but no more blocks than chunks; at least
// one, because the last block also writes the result of a set whose tensors are all empty.
int plan_grid(int device, int32_t dtype_class, int64_t num_chunks, int* grid) {
  int sms = 0;
  if (int rc = check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute")) {
    return rc;
  }
  int per_sm = 1;
  if (int rc = resident_blocks_per_sm(dtype_class, &per_sm)) return rc;
  const int64_t full = static_cast<int64_t>(sms) * per_sm;
  const int64_t blocks = num_chunks < full ? num_chunks : full;
  *grid = blocks < 1 ? 1 : static_cast<int>(blocks);
  return GC_OK;
}

// Fills the arena: zeros everywhere (tickets, the slots of empty tensors, the result), then the tables.
int upload(void* arena, size_t bytes, const std::vector<DeviceTensor>& tensors, size_t tensors_at,
           const std::vector<Chunk>& chunks, size_t chunks_at) {
  // The legacy default stream, then a wait on it: the set is ready for any stream of the caller's.
  const cudaStream_t stream = cudaStreamLegacy;
  if (int rc = check(cudaMemsetAsync(arena, 0, bytes, stream), "cudaMemsetAsync")) return rc;
  if (int rc = check(cudaMemcpyAsync(at<char>(arena, tensors_at), tensors.data(), tensors.size() * sizeof(DeviceTensor),
                                     cudaMemcpyHostToDevice, stream),
                     "cudaMemcpyAsync")) {
    return rc;
  }
  if (!chunks.empty()) {
    if (int rc = check(cudaMemcpyAsync(at<char>(arena, chunks_at), chunks.data(), chunks.size() * sizeof(Chunk),
                                       cudaMemcpyHostToDevice, stream),
                       "cudaMemcpyAsync")) {
      return rc;
    }
  }
  return check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
}

}  // namespace

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
    d.first_chunk = table.first_chunk[static_cast<size_t>(i)];
    d.num_chunks = table.first_chunk[static_cast<size_t>(i) + 1] - d.first_chunk;
    d.dtype = tensors[i].dtype;
    d.reserved = 0;
  }

  int device = 0;
  if (int rc = check(cudaGetDevice(&device), "cudaGetDevice")) return rc;
  if (int rc = check_device_pointers(tensors, n, device)) return rc;
  auto set = std::make_unique<gc_cuda_set>();
  set->device = device;
  set->staged_norms.resize(static_cast<size_t>(n));
  set->dtype_class = dtype_class(tensors, n);
  if (int rc = plan_grid(device, set->dtype_class, num_chunks, &set->grid)) return rc;

  ArenaLayout layout;
  const size_t tensors_at = layout.add<DeviceTensor>(n);
  const size_t chunks_at = layout.add<Chunk>(num_chunks);
  const size_t partials_at = layout.add<double>(num_chunks);
  const size_t chunk_flags_at = layout.add<int32_t>(num_chunks);
  const size_t counts_at = layout.add<int64_t>(num_chunks);
  const size_t sums_at = layout.add<double>(n);
  const size_t tensor_flags_at = layout.add<int32_t>(n);
  const size_t tickets_at = layout.add<unsigned long long>(n);
  const size_t norms_at = layout.add<double>(n);
  const size_t coefs_at = layout.add<double>(n);
  const size_t control_at = layout.add<DeviceControl>(1);

  void* arena = nullptr;
  if (int rc = check(cudaMalloc(&arena, layout.bytes()), "cudaMalloc")) return rc;
  if (int rc = upload(arena, layout.bytes(), device_tensors, tensors_at, table.chunks, chunks_at)) {
    (void)cudaFree(arena);  // the upload's error is the one worth reporting
    return rc;
  }

  SetView& v = set->view;
  v.tensors = at<DeviceTensor>(arena, tensors_at);
  v.chunks = at<Chunk>(arena, chunks_at);
  v.num_tensors = n;
  v.num_chunks = num_chunks;
  v.chunk_partials = at<double>(arena, partials_at);
  v.chunk_flags = at<int32_t>(arena, chunk_flags_at);
  v.chunk_counts = at<int64_t>(arena, counts_at);
  v.tensor_sums = at<double>(arena, sums_at);
  v.tensor_flags = at<int32_t>(arena, tensor_flags_at);
  v.tensor_tickets = at<unsigned long long>(arena, tickets_at);
  v.tensor_norms = at<double>(arena, norms_at);
  v.tensor_coefs = at<double>(arena, coefs_at);
  v.control = at<DeviceControl>(arena, control_at);
  set->arena = arena;
  *out = set.release();
  return GC_OK;
}

int destroy_set(gc_cuda_set* set) {
  if (set == nullptr) return GC_OK;
  // Kernels of earlier runs may still be using the arena on some stream.
  int rc = check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  const cudaError_t freed = cudaFree(set->arena);
  if (freed != cudaSuccess) {
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
