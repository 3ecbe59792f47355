// Walking one chunk: the fixed assignment of elements to threads that every kernel shares.
//
// A chunk [p, p + len) is cut into a head of single elements up to the first 16-byte boundary, a body
// of 16-byte vectors and a tail of single elements, so any chunk, whatever its start address and
// length, gets vector loads for all but fewer than 2 x 8 elements. The cut depends only on the address
// and the length, both fixed when the set is created, so a thread always sees the same elements in the
// same order: that, plus the fixed block reduction, makes every chunk's partial bit-reproducible.
#pragma once
#include <cstdint>
#include <cstring>

#include "tuning.hpp"

namespace gc::cuda {

template <typename S>
struct alignas(kVectorBytes) Vector {
  static constexpr int kLanes = kVectorBytes / static_cast<int>(sizeof(S));
  S v[kLanes];
};

// Tensor pointers reach the kernels inside structs, so the compiler cannot tell they are global memory
// and would emit generic loads; these say so (LDG.E.128 / STG.E.128, default caching: the write pass
// of a clip re-reads what the norm pass just read, and sets smaller than L2 then hit in L2).
template <typename S>
__device__ __forceinline__ Vector<S> load_vector(const Vector<S>* at) {
  static_assert(sizeof(Vector<S>) == sizeof(uint4), "a vector is one 16-byte access");
  const uint4 raw = __ldca(reinterpret_cast<const uint4*>(at));
  Vector<S> v;
  memcpy(&v, &raw, sizeof v);
  return v;
}

template <typename S>
__device__ __forceinline__ void store_vector(Vector<S>* at, const Vector<S>& v) {
  uint4 raw;
  memcpy(&raw, &v, sizeof raw);
  __stwb(reinterpret_cast<uint4*>(at), raw);
}

// Visitor: a functor with `template <int N> __device__ bool visit(S (&values)[N])`, called with whole
// vectors (N = lanes) and single elements (N = 1). It may change the values; returning true stores them.
template <typename S, typename Visitor>
__device__ __forceinline__ void visit_one(S* at, Visitor& visitor) {
  S one[1] = {*at};
  if (visitor.visit(one)) *at = one[0];
}

// Called by `threads` threads, numbered tid = 0 .. threads - 1, with the same p and len: a whole block
// walks a chunk, a few lanes of a warp walk one short AGC unit.
template <typename S, typename Visitor>
__device__ __forceinline__ void visit_span(S* p, int64_t len, Visitor& visitor, int64_t tid, int64_t threads) {
  using Vec = Vector<S>;
  constexpr int64_t kElem = static_cast<int64_t>(sizeof(S));

  // p is aligned to its element size (validated), so the distance to the boundary is whole elements.
  const int64_t misalign = static_cast<int64_t>(reinterpret_cast<uintptr_t>(p) % kVectorBytes);
  int64_t head = misalign == 0 ? 0 : (kVectorBytes - misalign) / kElem;
  if (head > len) head = len;
  const int64_t vectors = (len - head) / Vec::kLanes;
  const int64_t tail_begin = head + vectors * Vec::kLanes;

  for (int64_t i = tid; i < head; i += threads) visit_one(p + i, visitor);

  Vec* body = reinterpret_cast<Vec*>(p + head);
  const int64_t stride = threads * kUnroll;
  for (int64_t first = tid; first < vectors; first += stride) {
    // All loads first, then the work: kUnroll independent 16-byte loads in flight per thread.
    Vec buf[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t i = first + static_cast<int64_t>(u) * threads;
      if (i < vectors) buf[u] = load_vector(body + i);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t i = first + static_cast<int64_t>(u) * threads;
      if (i < vectors && visitor.visit(buf[u].v)) store_vector(body + i, buf[u]);
    }
  }

  for (int64_t i = tail_begin + tid; i < len; i += threads) visit_one(p + i, visitor);
}

// Called by all kBlockSize threads of the block with the same arguments.
template <typename S, typename Visitor>
__device__ __forceinline__ void visit_chunk(S* p, int64_t len, Visitor& visitor) {
  visit_span(p, len, visitor, static_cast<int64_t>(threadIdx.x), static_cast<int64_t>(kBlockSize));
}

}  // namespace gc::cuda
