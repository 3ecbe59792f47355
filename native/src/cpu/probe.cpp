// Memory-bandwidth probes for the benchmarks' floors: the fastest read-only pass and copy this library
// can make over a buffer, on the same pool the kernels use, so "% of floor" compares like with like.
#include <immintrin.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "common/status.hpp"
#include "cpu/pool.hpp"
#include "cpu/probe.hpp"

namespace gc::cpu {
namespace {

// 1 MiB per task: large enough that the hand-out is noise, small enough to balance two threads.
constexpr int64_t kBlockBytes = int64_t{1} << 20;

__attribute__((target("avx512f"))) uint64_t sum_words_avx512(const unsigned char* p, int64_t bytes) {
  // Four independent accumulators keep four loads in flight per iteration.
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 256 <= bytes; i += 256) {
    a0 = _mm512_add_epi64(a0, _mm512_loadu_si512(p + i));
    a1 = _mm512_add_epi64(a1, _mm512_loadu_si512(p + i + 64));
    a2 = _mm512_add_epi64(a2, _mm512_loadu_si512(p + i + 128));
    a3 = _mm512_add_epi64(a3, _mm512_loadu_si512(p + i + 192));
  }
  uint64_t s = static_cast<uint64_t>(_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3))));
  for (; i + 8 <= bytes; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    s += w;
  }
  for (; i < bytes; ++i) s += p[i];
  return s;
}

__attribute__((target("avx2"))) uint64_t sum_words_avx2(const unsigned char* p, int64_t bytes) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 128 <= bytes; i += 128) {
    a0 = _mm256_add_epi64(a0, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_add_epi64(a1, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
    a2 = _mm256_add_epi64(a2, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 64)));
    a3 = _mm256_add_epi64(a3, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 96)));
  }
  alignas(32) uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), _mm256_add_epi64(_mm256_add_epi64(a0, a1), _mm256_add_epi64(a2, a3)));
  uint64_t s = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; i < bytes; ++i) s += p[i];
  return s;
}

uint64_t sum_words_scalar(const unsigned char* p, int64_t bytes) {
  uint64_t s0 = 0, s1 = 0;
  int64_t i = 0;
  for (; i + 16 <= bytes; i += 16) {
    uint64_t w0, w1;
    std::memcpy(&w0, p + i, 8);
    std::memcpy(&w1, p + i + 8, 8);
    s0 += w0;
    s1 += w1;
  }
  for (; i < bytes; ++i) s0 += p[i];
  return s0 + s1;
}

using SumWords = uint64_t (*)(const unsigned char*, int64_t);

SumWords pick_sum_words() {
  if (__builtin_cpu_supports("avx512f")) return sum_words_avx512;
  if (__builtin_cpu_supports("avx2")) return sum_words_avx2;
  return sum_words_scalar;
}

int64_t block_count(int64_t bytes) { return (bytes + kBlockBytes - 1) / kBlockBytes; }

}  // namespace

uint64_t probe_read(Pool& pool, const void* data, int64_t bytes) {
  static const SumWords sum_words = pick_sum_words();
  const auto* p = static_cast<const unsigned char*>(data);
  std::atomic<uint64_t> total{0};
  pool.for_each(block_count(bytes), [&](int64_t b) {
    const int64_t off = b * kBlockBytes;
    const int64_t len = bytes - off < kBlockBytes ? bytes - off : kBlockBytes;
    total.fetch_add(sum_words(p + off, len), std::memory_order_relaxed);
  });
  return total.load();
}

void probe_copy(Pool& pool, void* dst, const void* src, int64_t bytes) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  pool.for_each(block_count(bytes), [&](int64_t b) {
    const int64_t off = b * kBlockBytes;
    const int64_t len = bytes - off < kBlockBytes ? bytes - off : kBlockBytes;
    std::memcpy(d + off, s + off, static_cast<size_t>(len));  // glibc picks its widest copy loop
  });
}

}  // namespace gc::cpu
