// The chunk table: every tensor cut into pieces of at most chunk_elems elements, built once per set.
// Backends compute one partial per chunk; partials of a tensor are contiguous and in offset order, so
// adding them in table order fixes the order of every floating-point addition.
#pragma once
#include <cstdint>
#include <vector>

#include "gradclip.h"

namespace gc {

// 65536 elements: 256 KiB of fp32, small enough to balance 2000 tiny tensors against one huge one
// across threads, large enough that per-chunk overhead is noise.
constexpr int64_t kDefaultChunkElems = 65536;

struct Chunk {
  int64_t tensor;  // index into the set's tensors
  int64_t offset;  // first element
  int64_t length;  // elements, >= 1
};

struct ChunkTable {
  std::vector<Chunk> chunks;
  std::vector<int64_t> first_chunk;  // n + 1 entries: tensor i owns chunks [first_chunk[i], first_chunk[i+1])
};

// chunk_elems: >= 1, or 0 for kDefaultChunkElems. Returns GC_OK or GC_E_INVALID / GC_E_NOMEM.
int build_chunk_table(const gc_tensor* tensors, int64_t n, int64_t chunk_elems, ChunkTable* out);

}  // namespace gc
