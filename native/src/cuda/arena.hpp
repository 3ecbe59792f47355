// Device arenas: each set, and each attachment of units or samples, keeps all its device arrays in one
// cudaMalloc, laid out here and filled once (zeros, then the host tables).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gc::cuda {

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

// One host table to copy into the arena.
struct Upload {
  size_t offset;
  const void* host;
  size_t bytes;

  template <typename T>
  static Upload of(size_t offset, const std::vector<T>& table) {
    return Upload{offset, table.data(), table.size() * sizeof(T)};
  }
};

// Allocates `bytes` of device memory, zeroes it, copies the tables in and waits for the copies, so the
// arena is ready for any stream of the caller's. On failure nothing stays allocated.
int create_arena(size_t bytes, const std::vector<Upload>& uploads, void** out);

// Waits for every kernel that may still use the arena (on any stream), then frees it. NULL is a no-op.
int destroy_arena(void* arena);

}  // namespace gc::cuda
