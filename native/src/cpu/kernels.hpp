// The per-chunk kernels every ISA level provides, as a table of function pointers. The three tables
// (kernels_scalar.cpp, kernels_avx2.cpp, kernels_avx512.cpp) are instantiated from one set of
// templates (kernel_loops.hpp), so they differ only in the SIMD primitives underneath.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "gradclip.h"

namespace gc::cpu {

// Storage types with no C++ arithmetic type of their own: the raw IEEE bits.
struct Bf16 {
  uint16_t bits;
};
struct F16 {
  uint16_t bits;
};

// Which power sum a norm pass accumulates; p = 1, 2 and inf have their own loops, any other p uses pow.
enum NormKind : int { kNormL1 = 0, kNormL2 = 1, kNormInf = 2, kNormPow = 3, kNormKinds = 4 };

inline NormKind norm_kind(double p) {
  if (p == 1.0) return kNormL1;
  if (p == 2.0) return kNormL2;
  if (p == INFINITY) return kNormInf;
  return kNormPow;
}

// What one chunk found. Each chunk owns one slot, so threads never share an accumulator.
struct Partial {
  double sum;        // norm kernels: sum of |x|^p, or max |x| for p = inf (NaN when a NaN was seen)
  int64_t changed;   // clamp kernel: elements that were outside [-v, v]
  bool nonfinite;    // a NaN or an infinity was among the chunk's elements
};

// fp64 lanes per block, and accumulators per chunk: 32 = 4 AVX-512 or 8 AVX2 registers, enough
// independent FMA chains (4-cycle latency) to keep up with memory and with L2-resident chunks.
constexpr int kLanes = 32;

// The element of a block (0..kLanes-1) that lane j holds, the same on every ISA level, so that lane
// sums and hence norms are bit-identical across levels. The identity, except for bf16: in each group
// of 16 elements lanes 0-7 hold the even ones and lanes 8-15 the odd ones. That is how one 256-bit
// load splits into two vectors of floats with a shift and a mask, no shuffle (30% faster on Zen 4,
// enough for bf16 to keep up with memory on one core).
template <class T>
constexpr int lane_element(int j) {
  if constexpr (std::is_same_v<T, Bf16>) {
    const int i = j % 16;
    return j - i + (i < 8 ? 2 * i : 2 * (i - 8) + 1);
  } else {
    return j;
  }
}

constexpr int kDtypes = 4;  // GC_DTYPE_F32 .. GC_DTYPE_F16, used as the table index

// Kernels work on elements [offset, offset + length) of one tensor's data.
using NormFn = Partial (*)(const void* data, int64_t offset, int64_t length, double p);
// Multiplies every element by coef in fp64 and stores it rounded to nearest-even (docs/SEMANTICS.md).
using ScaleFn = void (*)(void* data, int64_t offset, int64_t length, double coef);
// Clamps to [-v, v] (NaN stays NaN), writing only blocks that hold an element outside; counts those
// elements and flags non-finite ones.
using ClampFn = Partial (*)(void* data, int64_t offset, int64_t length, double v);

// A block of a row-major [rows, row_elems] tensor whose units are its columns (AGC's COLUMNS layout).
// At most kColumnBlock columns, so that a kernel keeps one accumulator per column in L1.
constexpr int64_t kColumnBlock = 2048;
struct ColumnTile {
  int64_t row_elems;  // elements per row: the tensor's unit count
  int64_t row_begin, row_end;
  int64_t col_begin, col_end;
  int64_t rows_ahead;  // rows after row_end that the caller reads next (the kernels may prefetch them)
};
// sums[c - col_begin] = sum over the tile's rows, in row order, of x[r][c]^2 (each step one rounding).
using ColumnSumsFn = void (*)(const void* data, const ColumnTile& tile, double* sums);
// x[r][c] *= coefs[c - col_begin] over the tile, rounded as ScaleFn; groups of kLanes columns whose
// coefficients are all >= 1 are left unwritten.
using ScaleColumnsFn = void (*)(void* data, const ColumnTile& tile, const double* coefs);

// Per-sample aggregation of one tensor (docs/SEMANTICS.md, per-sample clipping, step 3).
struct AggregateArgs {
  const void* input;     // batch samples of sample_elems elements each, sample-major
  int64_t sample_elems;
  int64_t batch;
  const double* coefs;   // batch coefficients, one per sample
  void* output;          // sample_elems elements
  bool noise;            // add noise_std * z(j), z from noise_key
  double noise_std;
  uint64_t noise_key;
  double divisor;
};
// Output elements [offset, offset + length): a = fma(x[b][j], coefs[b], a) over b in order, then the
// noise by one more fma, then a / divisor, rounded to the output dtype.
using AggregateFn = void (*)(const AggregateArgs& args, int64_t offset, int64_t length);

struct KernelTable {
  NormFn norm[kDtypes][kNormKinds];
  ScaleFn scale[kDtypes];
  ClampFn clamp[kDtypes];
  ColumnSumsFn column_sums[kDtypes];
  ScaleColumnsFn scale_columns[kDtypes];
  AggregateFn aggregate[kDtypes][kDtypes];  // [input dtype][output dtype]
};

// One table per ISA level; calling the AVX ones needs a CPU that has the instructions (dispatch.cpp).
const KernelTable& scalar_kernels();
const KernelTable& avx2_kernels();
const KernelTable& avx512_kernels();

}  // namespace gc::cpu
