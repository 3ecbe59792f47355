// The loops of the modes beyond norm clipping (docs/SEMANTICS.md): AGC's column units and the
// per-sample aggregation. Included like kernel_loops.hpp (after it, same rules): each ISA level gets
// its own copy, built on the same Lanes<R>.
//
// Column sums stay bit-identical across levels because each column is one chain x*x + acc, one
// rounding per step, in row order, whether a vector lane or the scalar tail runs it.

namespace gc::cpu {
namespace {

// One element widened exactly / stored with the rounding of "Writing", for the column tails that do
// not fill a block.
template <class T>
double load_one(const T* p) {
  if constexpr (std::is_same_v<T, Bf16>) return bf16_to_float(p->bits);
  else if constexpr (std::is_same_v<T, F16>) return f16_to_float(p->bits);
  else return static_cast<double>(*p);
}
template <class T>
void store_one(T* p, double y) {
  if constexpr (std::is_same_v<T, Bf16>) p->bits = float_to_bf16(static_cast<float>(y));
  else if constexpr (std::is_same_v<T, F16>) p->bits = float_to_f16(static_cast<float>(y));
  else *p = static_cast<T>(y);
}
// acc + x*x rounded once, as Lanes::add_square does lane by lane.
template <class T>
double add_square_one(double acc, double x) {
  if constexpr (std::is_same_v<T, double>) return std::fma(x, x, acc);
  else return acc + x * x;  // x*x is exact in fp64
}

// A block's lanes moved from TFrom's lane order (lane_element) to TTo's; the identity unless exactly
// one of them is bf16.
template <class R, class TFrom, class TTo>
typename Lanes<R>::Block relane(const typename Lanes<R>::Block& b) {
  if constexpr (std::is_same_v<TFrom, Bf16> == std::is_same_v<TTo, Bf16>) {
    return b;
  } else {
    alignas(64) double lanes[kLanes], elems[kLanes];
    Lanes<R>::store_lanes(lanes, b);
    for (int j = 0; j < kLanes; ++j) elems[lane_element<TFrom>(j)] = lanes[j];
    for (int j = 0; j < kLanes; ++j) lanes[j] = elems[lane_element<TTo>(j)];
    return Lanes<R>::load_lanes(lanes);
  }
}

// Rows are taken this many at a time so that a column's accumulator goes through memory once per step,
// not once per row; the order of the additions stays row by row.
constexpr int kRowsPerStep = 4;
// Bytes of a column tile's rows that column_sums_kernel keeps prefetched ahead: 4 rows of 2048 fp32.
constexpr int64_t kColumnPrefetchBytes = 8192;

template <class R, class T>
void column_sums_kernel(const void* data, const ColumnTile& tile, double* sums) {
  using L = Lanes<R>;
  const T* x = static_cast<const T*>(data);
  const int64_t width = tile.col_end - tile.col_begin;
  const int64_t vector_width = width - width % kLanes;
  alignas(64) double acc[kColumnBlock];  // vector part in lane order, tail in column order
  std::memset(acc, 0, static_cast<size_t>(width) * sizeof(double));
  // Rows are prefetched `ahead` rows early: each row of a tile is a short run (at most kColumnBlock
  // elements, far less in a fused AGC tile) that the hardware prefetchers would only pick up after a few
  // misses, so about kColumnPrefetchBytes are kept in flight whatever the run's length.
  const int64_t run_bytes = width * static_cast<int64_t>(sizeof(T));
  const int64_t ahead = kRowsPerStep * ((kColumnPrefetchBytes + kRowsPerStep * run_bytes - 1) / (kRowsPerStep * run_bytes));
  const int64_t prefetch_end = tile.row_end + tile.rows_ahead;
  for (int64_t r = tile.row_begin; r < tile.row_end; r += kRowsPerStep) {
    const int64_t rows = tile.row_end - r < kRowsPerStep ? tile.row_end - r : kRowsPerStep;
    const T* row = x + r * tile.row_elems + tile.col_begin;
    const int64_t left = prefetch_end - r - ahead;
    const int64_t next_rows = left < kRowsPerStep ? left : kRowsPerStep;
    const T* next = next_rows > 0 ? row + ahead * tile.row_elems : row;
    for (int64_t g = 0; g < vector_width; g += kLanes) {
      for (int64_t q = 0; q < next_rows; ++q)
        for (int64_t line = 0; line < kLanes * static_cast<int64_t>(sizeof(T)); line += 64)
          __builtin_prefetch(reinterpret_cast<const char*>(next + q * tile.row_elems + g) + line, 0, 2);
      typename L::Block a = L::load_lanes(acc + g);
      for (int64_t q = 0; q < rows; ++q) a = L::template add_square<T>(a, L::load(row + q * tile.row_elems + g));
      L::store_lanes(acc + g, a);
    }
    for (int64_t c = vector_width; c < width; ++c)
      for (int64_t q = 0; q < rows; ++q) acc[c] = add_square_one<T>(acc[c], load_one(row + q * tile.row_elems + c));
  }
  for (int64_t g = 0; g < vector_width; g += kLanes)
    for (int j = 0; j < kLanes; ++j) sums[g + lane_element<T>(j)] = acc[g + j];
  for (int64_t c = vector_width; c < width; ++c) sums[c] = acc[c];
}

// Rows ahead that scale_columns_kernel prefetches.
constexpr int64_t kScaleAhead = 1;

template <class R, class T>
void scale_columns_kernel(void* data, const ColumnTile& tile, const double* coefs) {
  using L = Lanes<R>;
  T* x = static_cast<T*>(data);
  const int64_t width = tile.col_end - tile.col_begin;
  const int64_t vector_width = width - width % kLanes;
  alignas(64) double lane_coefs[kColumnBlock];
  bool group_scales[kColumnBlock / kLanes];
  for (int64_t g = 0; g < vector_width; g += kLanes) {
    bool any = false;
    for (int j = 0; j < kLanes; ++j) {
      lane_coefs[g + j] = coefs[g + lane_element<T>(j)];
      any |= must_scale(lane_coefs[g + j]);
    }
    group_scales[g / kLanes] = any;
  }
  for (int64_t r = tile.row_begin; r < tile.row_end; ++r) {
    T* row = x + r * tile.row_elems + tile.col_begin;
    T* next = r + kScaleAhead < tile.row_end ? row + kScaleAhead * tile.row_elems : nullptr;  // as in column_sums_kernel
    for (int64_t g = 0; g < vector_width; g += kLanes) {
      if (!group_scales[g / kLanes]) continue;
      if (next != nullptr)
        for (int64_t line = 0; line < kLanes * static_cast<int64_t>(sizeof(T)); line += 64)
          __builtin_prefetch(reinterpret_cast<char*>(next + g) + line, 1, 2);
      L::store(row + g, L::mul(L::load(row + g), L::load_lanes(lane_coefs + g)));
    }
    for (int64_t c = vector_width; c < width; ++c)
      if (must_scale(coefs[c])) store_one(row + c, load_one(row + c) * coefs[c]);
  }
}

// Registers whose normals are computed together (NoiseMath over Multi): enough independent chains to
// hide the latencies, few enough that their temporaries stay in registers.
constexpr int kNoiseGroup = 8;

// 2 * lane_element<T>(j): lane j's counter key + 2 * (first + lane_element<T>(j)) from key + 2 * first.
template <class T>
struct NoiseCounters {
  alignas(64) uint64_t step[kLanes];
  constexpr NoiseCounters() : step{} {
    for (int j = 0; j < kLanes; ++j) step[j] = 2 * static_cast<uint64_t>(lane_element<T>(j));
  }
};
template <class T>
constexpr NoiseCounters<T> kNoiseCounters{};

// z of output elements first + lane_element<T>(j), lane by lane (noise_loops.hpp).
template <class R, class T>
typename Lanes<R>::Block noise_block(uint64_t key, int64_t first) {
  constexpr int kGroup = Lanes<R>::kRegs < kNoiseGroup ? Lanes<R>::kRegs : kNoiseGroup;
  using M = Multi<R, kGroup>;
  const typename R::IReg base = R::ibroadcast(key + 2 * static_cast<uint64_t>(first));
  typename Lanes<R>::Block z;
  for (int g = 0; g < Lanes<R>::kRegs; g += kGroup) {
    typename M::IReg counters;
    for (int k = 0; k < kGroup; ++k) counters.r[k] = R::iadd(base, R::iloadu(kNoiseCounters<T>.step + (g + k) * R::kWidth));
    const typename M::Reg normals = NoiseMath<M>::normal(counters);
    for (int k = 0; k < kGroup; ++k) z.r[g + k] = normals.r[k];
  }
  return z;
}

// Noise, division and the move to the output's lane order, for a block whose lane j holds output
// element first + lane_element<TIn>(j).
template <class R, class TIn, class TOut>
typename Lanes<R>::Block finish_aggregate(typename Lanes<R>::Block acc, const AggregateArgs& a, int64_t first) {
  using L = Lanes<R>;
  if (a.noise) {
    // fma(std, z, a): the product is the same either way round
    acc = L::fma(noise_block<R, TIn>(a.noise_key, first), a.noise_std, acc);
  }
  return relane<R, TIn, TOut>(L::div(acc, a.divisor));
}

template <class R, class TIn, class TOut>
void aggregate_kernel(const AggregateArgs& a, int64_t offset, int64_t length) {
  using L = Lanes<R>;
  const TIn* x = static_cast<const TIn*>(a.input) + offset;
  TOut* y = static_cast<TOut*>(a.output) + offset;
  int64_t i = 0;
  for (; i + kLanes <= length; i += kLanes) {
    typename L::Block acc = L::zero();
    for (int64_t b = 0; b < a.batch; ++b) acc = L::fma(L::load(x + b * a.sample_elems + i), a.coefs[b], acc);
    L::store(y + i, finish_aggregate<R, TIn, TOut>(acc, a, offset + i));
  }
  if (i < length) {
    const int64_t n = length - i;
    typename L::Block acc = L::zero();
    for (int64_t b = 0; b < a.batch; ++b) {
      const Tail<TIn> tail(x + b * a.sample_elems + i, n);
      acc = L::fma(L::load(tail.elems), a.coefs[b], acc);
    }
    Tail<TOut> out(y + i, n);
    L::store(out.elems, finish_aggregate<R, TIn, TOut>(acc, a, offset + i));
    std::memcpy(y + i, out.elems, static_cast<size_t>(n) * sizeof(TOut));
  }
}

}  // namespace
}  // namespace gc::cpu
