// Emulation stand-in for cub::BlockReduce: every thread deposits its value, a barrier, then thread 0
// combines them in thread order. Like CUB, the result is valid in thread 0 only and there is no barrier
// after it, so a caller that reuses the storage without one is caught (see gcemu.hpp).
#pragma once

namespace cub {

template <typename T, int kThreads>
class BlockReduce {
 public:
  struct TempStorage {
    T values[kThreads];
  };

  explicit BlockReduce(TempStorage& storage) : storage_(storage) {}

  template <typename Op>
  T Reduce(T value, Op op) {
    storage_.values[threadIdx.x] = value;
    __syncthreads();
    if (threadIdx.x != 0) return value;
    T r = storage_.values[0];
    for (int i = 1; i < kThreads; ++i) r = op(r, storage_.values[i]);
    return r;
  }

  T Sum(T value) {
    return Reduce(value, [](T a, T b) { return a + b; });
  }

 private:
  TempStorage& storage_;
};

}  // namespace cub
