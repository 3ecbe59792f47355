// The device arrays one launch of the norm kernel works in (a SetView's chunk table, partial slots,
// per-tensor sums, tickets, norms and coefficients), laid out in an arena and bound to a view in one
// place: the set's own view and the per-sample pairs view both have them.
#pragma once
#include <cstddef>
#include <cstdint>

#include "arena.hpp"
#include "device_types.hpp"

namespace gc::cuda {

struct NormBuffers {
  size_t tensors, chunks, partials, chunk_flags, sums, flags, tickets, norms, coefs;

  // Reserves the arrays for `num_tensors` view entries and `num_chunks` chunks in `layout`.
  static NormBuffers add(ArenaLayout& layout, int64_t num_tensors, int64_t num_chunks) {
    NormBuffers b;
    b.tensors = layout.add<DeviceTensor>(num_tensors);
    b.chunks = layout.add<Chunk>(num_chunks);
    b.partials = layout.add<double>(num_chunks);
    b.chunk_flags = layout.add<int32_t>(num_chunks);
    b.sums = layout.add<double>(num_tensors);
    b.flags = layout.add<int32_t>(num_tensors);
    b.tickets = layout.add<unsigned long long>(num_tensors);
    b.norms = layout.add<double>(num_tensors);
    b.coefs = layout.add<double>(num_tensors);
    return b;
  }

  // Points v's norm-launch arrays into `arena`; the other fields of v are the caller's.
  void bind(void* arena, int64_t num_tensors, int64_t num_chunks, SetView& v) const {
    v.tensors = at<DeviceTensor>(arena, tensors);
    v.chunks = at<Chunk>(arena, chunks);
    v.num_tensors = num_tensors;
    v.num_chunks = num_chunks;
    v.chunk_partials = at<double>(arena, partials);
    v.chunk_flags = at<int32_t>(arena, chunk_flags);
    v.tensor_sums = at<double>(arena, sums);
    v.tensor_flags = at<int32_t>(arena, flags);
    v.tensor_tickets = at<unsigned long long>(arena, tickets);
    v.tensor_norms = at<double>(arena, norms);
    v.tensor_coefs = at<double>(arena, coefs);
  }
};

}  // namespace gc::cuda
