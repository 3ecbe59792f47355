// PER_SAMPLE_* pass 2: one thread per output element (or per 16-byte vector of input elements when
// every sample row of the tensor shares its alignment), over the output chunks:
//   a = 0; a = fma(x[b][j], coef_{b,i}, a) for b = 0 .. B-1 in order;
//   a = fma(noise_multiplier * threshold, z(i, j), a) when noise_multiplier > 0;  y = a / divisor,
// stored with the output dtype's rounding. Every operation is the one docs/SEMANTICS.md names, written
// out (fma, one product, one quotient), so contraction has nothing to fuse and the result is the
// reference's bit for bit given the same coefficients (z: up to the device's log and cos).
#pragma once
#include <cstdint>

#include "common/modes_math.hpp"
#include "common/numeric.hpp"
#include "device_types.hpp"
#include "elements.cuh"
#include "tuning.hpp"
#include "visit.cuh"

namespace gc::cuda {

// y into element j of an output of any dtype.
__device__ __forceinline__ void store_output(void* out, int32_t dtype, int64_t j, double y) {
  dispatch_dtype(dtype, [&](auto type) {
    using O = decltype(type);
    static_cast<typename O::Storage*>(out)[j] = O::store(y);
  });
}

// The aggregate of one output tensor, for inputs of storage type E.
template <typename E>
struct Aggregate {
  using S = typename E::Storage;
  const S* input;  // sample 0's row; sample b's is input + b * k
  int64_t k;
  int64_t batch;
  const double* coefs;  // coef_{b,i} at coefs[b * stride]
  int64_t stride;       // n
  void* out;
  int32_t out_dtype;
  bool noise;
  double sigma;  // noise_multiplier * threshold
  uint64_t key;  // noise_key(seed, i)
  double divisor;

  // Output elements [j, j + N): N = 1, or one vector (input + j 16-byte aligned in every row).
  template <int N>
  __device__ __forceinline__ void elements(int64_t j) const {
    double acc[N];
#pragma unroll
    for (int l = 0; l < N; ++l) acc[l] = 0.0;
#pragma unroll 4
    for (int64_t b = 0; b < batch; ++b) {
      const double coef = coefs[b * stride];
      const S* at = input + b * k + j;
      S v[N];
      if constexpr (N == 1) {
        v[0] = __ldca(at);
      } else {
        static_assert(N == Vector<S>::kLanes, "one vector");
        const Vector<S> vec = load_vector(reinterpret_cast<const Vector<S>*>(at));
#pragma unroll
        for (int l = 0; l < N; ++l) v[l] = vec.v[l];
      }
#pragma unroll
      for (int l = 0; l < N; ++l) acc[l] = fma(E::load(v[l]), coef, acc[l]);
    }
#pragma unroll
    for (int l = 0; l < N; ++l) {
      double a = acc[l];
      if (noise) a = fma(sigma, gc::noise_normal(key, static_cast<uint64_t>(j + l)), a);
      store_output(out, out_dtype, j + l, a / divisor);
    }
  }
};

// Output elements [j0, j0 + len) of one tensor, by the whole block.
template <typename E>
__device__ __forceinline__ void aggregate_chunk(const Aggregate<E>& agg, bool co_aligned, int64_t j0, int64_t len) {
  using S = typename E::Storage;
  constexpr int kLanes = Vector<S>::kLanes;
  const int64_t tid = threadIdx.x;
  if (!co_aligned) {
    for (int64_t e = tid; e < len; e += kBlockSize) agg.template elements<1>(j0 + e);
    return;
  }
  // Every row has row 0's alignment: cut [j0, j0 + len) as visit_span cuts a chunk.
  const int64_t misalign = static_cast<int64_t>(reinterpret_cast<uintptr_t>(agg.input + j0) % kVectorBytes);
  int64_t head = misalign == 0 ? 0 : (kVectorBytes - misalign) / static_cast<int64_t>(sizeof(S));
  if (head > len) head = len;
  const int64_t vectors = (len - head) / kLanes;
  const int64_t tail_begin = head + vectors * kLanes;
  if (tid < head) agg.template elements<1>(j0 + tid);
  for (int64_t v = tid; v < vectors; v += kBlockSize) agg.template elements<kLanes>(j0 + head + v * kLanes);
  if (tid < len - tail_begin) agg.template elements<1>(j0 + tail_begin + tid);
}

template <typename D>
__global__ void __launch_bounds__(kBlockSize, kMinBlocksPerSmHeavy) sample_output_kernel(SetView set, OpArgs op) {
  // Decided by pass 1 on this stream: ERROR/SKIP with a non-finite input writes nothing.
  if (set.control->apply == 0) return;
  const SampleView& sv = set.samples;
  for (int64_t c = blockIdx.x; c < sv.num_chunks; c += gridDim.x) {
    const Chunk chunk = sv.chunks[c];
    const SampleOutput o = sv.outputs[chunk.tensor];
    for_dtype<D>(o.input_dtype, [&](auto type) {
      using E = decltype(type);
      Aggregate<E> agg;
      agg.input = static_cast<const typename E::Storage*>(o.input);
      agg.k = o.k;
      agg.batch = sv.batch;
      agg.coefs = set.tensor_coefs + chunk.tensor;
      agg.stride = sv.tensors;
      agg.out = o.data;
      agg.out_dtype = o.dtype;
      agg.noise = op.noise_multiplier > 0.0;
      agg.sigma = op.noise_multiplier * op.threshold;
      agg.key = gc::noise_key(op.seed, static_cast<uint64_t>(chunk.tensor));
      agg.divisor = op.divisor;
      aggregate_chunk(agg, o.co_aligned != 0, chunk.offset, chunk.length);
    });
  }
}

}  // namespace gc::cuda
