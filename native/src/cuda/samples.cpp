// gc_cuda_set_samples: the device tables of PER_SAMPLE_*. Pass 1 is the norm launch run over a second
// view of the set whose "tensors" are the (sample, tensor) pairs, sample-major, so that no chunk crosses
// a sample and the per-pair slots are exactly the norms gc_cuda_result returns for PER_SAMPLE_LAYER.
// Pass 2 walks the outputs, cut into chunks like any tensor.
#include <cuda_runtime_api.h>

#include <vector>

#include "arena.hpp"
#include "attach.hpp"
#include "common/chunks.hpp"
#include "common/status.hpp"
#include "common/validate.hpp"
#include "errors.hpp"
#include "norm_buffers.hpp"
#include "tuning.hpp"

namespace gc::cuda {

int attach_samples(gc_cuda_set* set, int64_t batch, const gc_tensor* outputs, int64_t n) {
  if (set == nullptr) return fail(GC_E_INVALID, "set is NULL");
  const auto num_tensors = static_cast<int64_t>(set->tensors.size());
  if (int rc = validate_samples(set->tensors.data(), num_tensors, batch, outputs, n)) return rc;
  if (batch > INT64_MAX / n) return fail(GC_E_INVALID, "batch %lld too large", static_cast<long long>(batch));
  int device = 0;
  if (int rc = check(cudaGetDevice(&device), "cudaGetDevice")) return rc;
  if (device != set->device) {
    return fail(GC_E_INVALID, "the set was created on device %d, but the current device is %d", set->device, device);
  }
  if (int rc = check_device_pointers(outputs, n, device, "output", "data")) return rc;

  // Pair p = b * n + i is sample b of tensor i: k_i elements from element b * k_i on.
  const int64_t num_pairs = batch * n;
  std::vector<gc_tensor> pairs(static_cast<size_t>(num_pairs));
  std::vector<SampleOutput> samples(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const gc_tensor& in = set->tensors[static_cast<size_t>(i)];
    const int64_t k = in.count / batch;
    const int64_t row_bytes = k * dtype_bytes(in.dtype);
    for (int64_t b = 0; b < batch; ++b) {
      void* row = k == 0 ? in.data : static_cast<char*>(in.data) + b * row_bytes;
      pairs[static_cast<size_t>(b * n + i)] = gc_tensor{row, k, in.dtype, 0};
    }
    SampleOutput& o = samples[static_cast<size_t>(i)];
    o.data = outputs[i].data;
    o.input = in.data;
    o.k = k;
    o.dtype = outputs[i].dtype;
    o.input_dtype = in.dtype;
    o.co_aligned = row_bytes % kVectorBytes == 0 ? 1 : 0;
    o.reserved = 0;
  }
  ChunkTable pair_table;
  if (int rc = build_chunk_table(pairs.data(), num_pairs, set->chunk_elems, &pair_table)) return rc;
  ChunkTable output_table;
  if (int rc = build_chunk_table(outputs, n, set->chunk_elems, &output_table)) return rc;
  std::vector<DeviceTensor> pair_tensors(static_cast<size_t>(num_pairs));
  for (int64_t p = 0; p < num_pairs; ++p) {
    DeviceTensor& d = pair_tensors[static_cast<size_t>(p)];
    d.data = pairs[static_cast<size_t>(p)].data;
    d.count = pairs[static_cast<size_t>(p)].count;
    d.first_chunk = pair_table.first_chunk[static_cast<size_t>(p)];
    d.num_chunks = pair_table.first_chunk[static_cast<size_t>(p) + 1] - d.first_chunk;
    d.dtype = pairs[static_cast<size_t>(p)].dtype;
    d.reserved = 0;
  }
  const auto num_chunks = static_cast<int64_t>(pair_table.chunks.size());
  const auto num_output_chunks = static_cast<int64_t>(output_table.chunks.size());

  // Before the arena: a failed host allocation must not leave it behind.
  if (set->staged_norms.size() < static_cast<size_t>(num_pairs)) set->staged_norms.resize(static_cast<size_t>(num_pairs));

  ArenaLayout layout;
  const NormBuffers pair_buffers = NormBuffers::add(layout, num_pairs, num_chunks);
  const size_t outputs_at = layout.add<SampleOutput>(n);
  const size_t output_chunks_at = layout.add<Chunk>(num_output_chunks);
  void* arena = nullptr;
  if (int rc = create_arena(layout.bytes(),
                            {Upload::of(pair_buffers.tensors, pair_tensors), Upload::of(pair_buffers.chunks, pair_table.chunks),
                             Upload::of(outputs_at, samples), Upload::of(output_chunks_at, output_table.chunks)},
                            &arena)) {
    return rc;
  }

  SetView v{};
  pair_buffers.bind(arena, num_pairs, num_chunks, v);
  v.chunk_counts = nullptr;  // VALUE only
  v.control = set->plan.view.control;  // one result per set, whichever view computed it
  v.samples.outputs = at<SampleOutput>(arena, outputs_at);
  v.samples.chunks = at<Chunk>(arena, output_chunks_at);
  v.samples.num_chunks = num_output_chunks;
  v.samples.batch = batch;
  v.samples.tensors = n;

  void* old = set->samples_arena;
  set->samples_arena = arena;
  set->plan.pairs = v;
  set->plan.pair_grid = grid_for(*set, num_chunks);
  set->plan.output_grid = grid_for(*set, num_output_chunks);
  // The norms of a per-sample run lived in the old arena.
  if (set->last_mode == GC_MODE_PER_SAMPLE_FLAT || set->last_mode == GC_MODE_PER_SAMPLE_LAYER) set->has_result = false;
  return destroy_arena(old);  // after any run that may still read it
}

}  // namespace gc::cuda
