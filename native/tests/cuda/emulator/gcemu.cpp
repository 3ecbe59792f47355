// The block emulator and the fake CUDA runtime behind cuda_runtime_api.h (see gcemu.hpp for what it
// can and cannot show). x86-64 System V only: fibers switch stacks with a few lines of assembly.
#include "gcemu.hpp"

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "cuda_runtime_api.h"
#include "device_types.hpp"
#include "tuning.hpp"

// Saves the callee-saved registers and the stack pointer into *save_sp, then resumes the context
// whose stack pointer is load_sp (one saved by this same function, or prepared by start_fiber).
extern "C" void gcemu_switch(void** save_sp, void* load_sp);
asm(R"(
  .text
  .globl gcemu_switch
  .type gcemu_switch, @function
gcemu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size gcemu_switch, .-gcemu_switch
)");

namespace gcemu {

dim3 g_thread_idx;
dim3 g_block_idx;
dim3 g_grid_dim;
dim3 g_block_dim;

namespace {

constexpr int kBlock = gc::cuda::kBlockSize;
constexpr int kWarp = 32;
// Three SMs: with the library's 4 blocks per SM, grids of up to 12 blocks, so blocks stride over
// several chunks each, as on a GPU with sets larger than one wave.
constexpr int kEmulatedSms = 3;
constexpr int kEmulatedBlocksPerSm = 4;
constexpr size_t kStackBytes = 256 * 1024;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "gcemu: %s (block %u, thread %u)\n", what, g_block_idx.x, g_thread_idx.x);
  std::abort();
}

// Every gradclip kernel has this signature; cudaLaunchKernel casts back to it.
using Kernel = void (*)(gc::cuda::SetView, gc::cuda::OpArgs);

struct Fiber {
  void* sp = nullptr;
  std::unique_ptr<char[]> stack;
  unsigned tid = 0;
  bool done = false;
};

struct BlockBarrier {
  int arrived = 0;
  unsigned generation = 0;
  int or_accumulated = 0;
  int or_result = 0;
};

struct WarpExchange {
  int arrived = 0;
  unsigned generation = 0;
  double values[kWarp] = {};
  int votes[kWarp] = {};
};

struct State {
  Fiber fibers[kBlock];
  Fiber* current = nullptr;
  void* scheduler_sp = nullptr;
  long long progress = 0;  // barrier arrivals and finished threads: a round without any is a deadlock
  BlockBarrier barrier;
  WarpExchange warps[kBlock / kWarp];
  Kernel kernel = nullptr;
  gc::cuda::SetView set{};
  gc::cuda::OpArgs op{};
  std::mt19937_64 rng{0x656d75};  // block order of every launch; fixed, so failures reproduce
};

State& state() {
  static State s;
  return s;
}

void yield() {
  State& s = state();
  gcemu_switch(&s.current->sp, s.scheduler_sp);
}

[[noreturn]] void fiber_main() {
  State& s = state();
  s.kernel(s.set, s.op);
  s.current->done = true;
  ++s.progress;
  for (;;) yield();  // the scheduler never resumes a finished fiber
}

void start_fiber(Fiber& f) {
  if (!f.stack) f.stack.reset(new char[kStackBytes]);
  auto top = reinterpret_cast<uintptr_t>(f.stack.get() + kStackBytes) & ~uintptr_t{15};
  auto* sp = reinterpret_cast<uint64_t*>(top);
  *--sp = 0;                                              // fiber_main's (never used) return address
  *--sp = reinterpret_cast<uint64_t>(&fiber_main);        // where gcemu_switch's `ret` goes, 16-aligned
  for (int i = 0; i < 6; ++i) *--sp = 0;                  // rbp, rbx, r12..r15
  f.sp = sp;
  f.done = false;
}

void run_block(unsigned block) {
  State& s = state();
  g_block_idx = dim3(block);
  s.barrier = BlockBarrier{};
  for (WarpExchange& w : s.warps) w = WarpExchange{};
  for (int t = 0; t < kBlock; ++t) {
    s.fibers[t].tid = static_cast<unsigned>(t);
    start_fiber(s.fibers[t]);
  }
  int remaining = kBlock;
  int idle_rounds = 0;
  while (remaining > 0) {
    const long long before = s.progress;
    for (Fiber& f : s.fibers) {
      if (f.done) continue;
      s.current = &f;
      g_thread_idx = dim3(f.tid);
      gcemu_switch(&s.scheduler_sp, f.sp);
      if (f.done) --remaining;
    }
    if (s.progress != before) {
      idle_rounds = 0;
    } else if (++idle_rounds > 2) {
      die("deadlock: threads wait at a barrier that the others never reach");
    }
  }
}

void warp_wait(WarpExchange& w) {
  State& s = state();
  const unsigned generation = w.generation;
  ++s.progress;
  if (++w.arrived == kWarp) {
    w.arrived = 0;
    ++w.generation;
  } else {
    while (w.generation == generation) yield();
  }
}

}  // namespace

void misaligned(const void* at, unsigned long size) {
  char what[96];
  std::snprintf(what, sizeof what, "misaligned %lu-byte access at %p", size, at);
  die(what);
}

int syncthreads_or(int value) {
  State& s = state();
  BlockBarrier& b = s.barrier;
  const unsigned generation = b.generation;
  b.or_accumulated |= value != 0 ? 1 : 0;
  ++s.progress;
  if (++b.arrived == kBlock) {
    b.arrived = 0;
    b.or_result = b.or_accumulated;
    b.or_accumulated = 0;
    ++b.generation;
  } else {
    while (b.generation == generation) yield();
  }
  return b.or_result;
}

void syncthreads() { (void)syncthreads_or(0); }

double shfl(unsigned mask, double value, int src_lane) {
  if (mask != 0xffffffffu) die("partial shuffle masks are not emulated");
  WarpExchange& w = state().warps[g_thread_idx.x / kWarp];
  w.values[g_thread_idx.x % kWarp] = value;
  warp_wait(w);
  const double r = w.values[src_lane & (kWarp - 1)];
  warp_wait(w);
  return r;
}

int any(unsigned mask, int value) {
  if (mask != 0xffffffffu) die("partial vote masks are not emulated");
  WarpExchange& w = state().warps[g_thread_idx.x / kWarp];
  w.votes[g_thread_idx.x % kWarp] = value != 0 ? 1 : 0;
  warp_wait(w);
  int r = 0;
  for (int v : w.votes) r |= v;
  warp_wait(w);
  return r;
}

}  // namespace gcemu

// ---------------------------------------------------------------- the fake runtime

namespace {

cudaError_t g_last_error = cudaSuccess;
std::map<uintptr_t, size_t> g_allocations;  // start -> bytes
int g_device = 0;

cudaError_t record(cudaError_t err) {
  if (err != cudaSuccess) g_last_error = err;
  return err;
}

bool is_device(const void* p, size_t bytes) {
  const auto at = reinterpret_cast<uintptr_t>(p);
  auto it = g_allocations.upper_bound(at);
  if (it == g_allocations.begin()) return false;
  --it;
  return at >= it->first && at + bytes <= it->first + it->second;
}

struct FakeStream {};

}  // namespace

const char* cudaGetErrorName(cudaError_t err) {
  switch (err) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
  }
  return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t err) {
  switch (err) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
  }
  return "unknown error";
}

cudaError_t cudaGetLastError() {
  const cudaError_t err = g_last_error;
  g_last_error = cudaSuccess;
  return err;
}

cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  *device = g_device;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  if (device != 0) return record(cudaErrorInvalidDevice);
  g_device = device;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device != 0) return record(cudaErrorInvalidDevice);
  *prop = cudaDeviceProp{};
  std::snprintf(prop->name, sizeof prop->name, "gradclip CPU emulator");
  prop->totalGlobalMem = size_t{16} << 30;
  prop->major = 9;
  prop->minor = 0;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device) {
  if (device != 0 || attr != cudaDevAttrMultiProcessorCount) return record(cudaErrorInvalidValue);
  *value = gcemu::kEmulatedSms;
  return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }

cudaError_t cudaMalloc(void** ptr, size_t bytes) {
  void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (p == nullptr) return record(cudaErrorMemoryAllocation);
  g_allocations[reinterpret_cast<uintptr_t>(p)] = bytes;
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaFree(void* ptr) {
  if (ptr == nullptr) return cudaSuccess;
  auto it = g_allocations.find(reinterpret_cast<uintptr_t>(ptr));
  if (it == g_allocations.end()) return record(cudaErrorInvalidValue);
  g_allocations.erase(it);
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* ptr, int value, size_t bytes, cudaStream_t) {
  if (!is_device(ptr, bytes)) return record(cudaErrorInvalidValue);
  std::memset(ptr, value, bytes);
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t) {
  const bool dst_ok = (kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice) == is_device(dst, bytes);
  const bool src_ok = (kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice) == is_device(src, bytes);
  if (!dst_ok || !src_ok) return record(cudaErrorInvalidValue);
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}

cudaError_t cudaPointerGetAttributes(cudaPointerAttributes* attr, const void* ptr) {
  *attr = cudaPointerAttributes{};
  attr->type = is_device(ptr, 1) ? cudaMemoryTypeDevice : cudaMemoryTypeUnregistered;
  attr->device = attr->type == cudaMemoryTypeDevice ? 0 : -2;
  return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  *stream = reinterpret_cast<cudaStream_t>(new FakeStream);
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  delete reinterpret_cast<FakeStream*>(stream);
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }  // launches run to completion

cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int* blocks, const void*, int, size_t) {
  *blocks = gcemu::kEmulatedBlocksPerSm;
  return cudaSuccess;
}

cudaError_t cudaLaunchKernel(const void* func, dim3 grid, dim3 block, void** args, size_t, cudaStream_t) {
  using gcemu::state;
  if (block.x != static_cast<unsigned>(gcemu::kBlock) || grid.x == 0) return record(cudaErrorInvalidValue);
  auto& s = state();
  s.kernel = reinterpret_cast<gcemu::Kernel>(const_cast<void*>(func));
  s.set = *static_cast<gc::cuda::SetView*>(args[0]);
  s.op = *static_cast<gc::cuda::OpArgs*>(args[1]);
  gcemu::g_grid_dim = dim3(grid.x);
  gcemu::g_block_dim = dim3(block.x);
  // A different order every launch: which block finishes a tensor, and which is last, keeps changing.
  std::vector<unsigned> order(grid.x);
  for (unsigned b = 0; b < grid.x; ++b) order[b] = b;
  std::shuffle(order.begin(), order.end(), s.rng);
  for (unsigned b : order) gcemu::run_block(b);
  return cudaSuccess;
}
