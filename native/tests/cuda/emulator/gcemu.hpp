// CPU emulation of the CUDA device features gradclip's kernels use, force-included (-include) into the
// library's sources when they are built for the emulated parity test (see CMakeLists.txt here).
//
// A launch runs its blocks one after another in a random order (a valid schedule: the kernels never
// wait for another block), each block as kBlockSize cooperative fibers that switch only at barriers,
// warp shuffles and votes. Barriers, shuffles and votes therefore behave as on the GPU, including the
// hazards of missing ones: the thread that releases a barrier runs on first, so a shared buffer reused
// without a barrier gets overwritten before slower threads read it. A barrier that not all threads of
// the block reach is reported as a deadlock. What it cannot show: memory-ordering bugs between blocks
// running at the same time (fences are no-ops here), and performance.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __shared__ static

using std::fabs;
using std::fma;
using std::isfinite;
using std::isnan;
using std::pow;
using std::sqrt;

struct uint4 {
  unsigned x, y, z, w;
};

struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
};

namespace gcemu {

extern dim3 g_thread_idx;
extern dim3 g_block_idx;
extern dim3 g_grid_dim;
extern dim3 g_block_dim;

void syncthreads();
int syncthreads_or(int value);
double shfl(unsigned mask, double value, int src_lane);
int any(unsigned mask, int value);

}  // namespace gcemu

#define threadIdx (gcemu::g_thread_idx)
#define blockIdx (gcemu::g_block_idx)
#define gridDim (gcemu::g_grid_dim)
#define blockDim (gcemu::g_block_dim)

inline void __syncthreads() { gcemu::syncthreads(); }
inline int __syncthreads_or(int value) { return gcemu::syncthreads_or(value); }
inline double __shfl_sync(unsigned mask, double value, int src_lane) { return gcemu::shfl(mask, value, src_lane); }
inline int __any_sync(unsigned mask, int value) { return gcemu::any(mask, value); }
// One OS thread runs every fiber, and a fiber only yields at the calls above: atomics are plain
// read-modify-writes and fences have nothing to order.
inline void __threadfence() {}
template <typename T>
inline T atomicAdd(T* at, T value) {
  const T old = *at;
  *at = old + value;
  return old;
}
template <typename T>
inline T atomicExch(T* at, T value) {
  const T old = *at;
  *at = value;
  return old;
}
// The GPU faults on an access that is not aligned to its size (a 16-byte vector to 16 bytes); the CPU
// would not notice, so these check it.
namespace gcemu {
[[noreturn]] void misaligned(const void* at, unsigned long size);
template <typename T>
inline void check_aligned(const T* at) {
  if (reinterpret_cast<uintptr_t>(at) % sizeof(T) != 0) misaligned(at, sizeof(T));
}
}  // namespace gcemu
template <typename T>
inline T __ldcg(const T* at) {
  gcemu::check_aligned(at);
  return *at;
}
template <typename T>
inline T __ldca(const T* at) {
  gcemu::check_aligned(at);
  return *at;
}
template <typename T>
inline void __stwb(T* at, T value) {
  gcemu::check_aligned(at);
  *at = value;
}
