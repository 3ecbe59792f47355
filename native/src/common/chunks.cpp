#include "common/chunks.hpp"

#include <cstddef>
#include <new>

#include "common/status.hpp"

namespace gc {

int build_chunk_table(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, ChunkTable* out) {
  if (chunk_elems < 0) return fail(GC_E_INVALID, "chunk_elems must be >= 0, got %lld", (long long)chunk_elems);
  if (chunk_elems == 0) chunk_elems = kDefaultChunkElems;
  try {
    ChunkTable table;
    table.first_chunk.reserve(static_cast<size_t>(n) + 1);
    for (int64_t i = 0; i < n; ++i) {
      table.first_chunk.push_back(static_cast<int64_t>(table.chunks.size()));
      for (int64_t off = 0; off < tensors[i].count; off += chunk_elems) {
        const int64_t len = tensors[i].count - off < chunk_elems ? tensors[i].count - off : chunk_elems;
        table.chunks.push_back(Chunk{i, off, len});
      }
    }
    table.first_chunk.push_back(static_cast<int64_t>(table.chunks.size()));
    *out = std::move(table);
  } catch (const std::bad_alloc&) {
    return fail(GC_E_NOMEM, "out of host memory building the chunk table for %lld tensors", (long long)n);
  }
  return GC_OK;
}

}  // namespace gc
